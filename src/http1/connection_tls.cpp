// Connection, continued: what a TLS listener adds. Input is decrypted before the HTTP/1.1
// parser sees it; plaintext sent to the TLS port is refused without reaching it; a handshake
// that agrees on "h2" hands the connection over to an HTTP/2 session. The socket, the
// deadlines and closing stay with the connection (connection.cpp).
#include "http1/connection.hpp"

#include "app/application.hpp"
#include "http1/connection_parts.hpp"
#include "http1/connection_set.hpp"

#include "base/log.hpp"

#include <algorithm>
#include <string>

namespace ssehub::http1 {

void Connection::receive(const char* data, size_t len) {
    if (!tls()) {
        handle_input(data, len);
        return;
    }
#ifdef SSEHUB_HAVE_TLS
    tls::Channel& channel = *tls()->channel;
    switch (channel.receive(data, len)) {
    case tls::Channel::Input::Ok:
        return;
    case tls::Channel::Input::PeerClosed:
        close();
        return;
    case tls::Channel::Input::NotTls:
        refuse_plaintext(data, len);
        return;
    case tls::Channel::Input::Failed:
        if (state_ == State::Closed || state_ == State::Lingering) return;
        if (!channel.handshake_done()) {
            ++app().metrics().tls_handshake_failures;
            log::debug("TLS handshake failed: " + channel.error());
            close_after_output(); // the alert, then FIN
        } else {
            log::debug("TLS connection failed: " + channel.error());
            close();
        }
        return;
    }
#endif
}

// Plaintext sent to a TLS listener: an HTTP client gets one plain answer saying so (nginx does
// the same), anything else is just closed. Either way nothing reaches the parser.
void Connection::refuse_plaintext(const char* data, size_t len) {
    ++app().metrics().tls_plaintext;
    log::debug("closed a connection that sent plaintext to a TLS listener");
    std::string_view start(data, std::min<size_t>(len, 8));
    bool http = start.find(' ') != std::string_view::npos &&
                std::all_of(start.begin(), start.begin() + static_cast<long>(start.find(' ')),
                            [](char ch) { return ch >= 'A' && ch <= 'Z'; });
    if (http) {
        static const std::string answer = [] {
            std::string body = "this port speaks TLS: use https:// to reach it\n";
            return "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                   "Content-Length: " +
                   std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
        }();
        uv_buf_t buf =
            uv_buf_init(const_cast<char*>(answer.data()), static_cast<unsigned>(answer.size()));
        uv_try_write(stream(), &buf, 1);
    }
    linger();
}

bool Connection::on_handshake(std::string_view alpn) {
    ++app().metrics().tls_handshakes;
#ifdef SSEHUB_HAVE_H2
    if (alpn == "h2") {
        h2::SessionHost& host = *tls();
        tls()->h2 = h2::start_session(app(), set_.session_output_, host);
        if (!tls()->h2) {
            close();
            return false;
        }
        state_ = State::Http2;
        end_request_phase();
        ++app().metrics().h2_connections;
        if (!tls()->h2->start()) close();
    }
#else
    (void)alpn; // "h2" is not offered
#endif
    return state_ != State::Closed;
}

bool Connection::on_plaintext(const char* data, size_t len) {
    if (state_ == State::Http2) {
        if (!h2()->feed(data, len)) close_after_output(); // GOAWAY is queued
    } else if (state_ == State::Reading && !finish_after_write_) {
        handle_input(data, len);
    }
    return state_ != State::Closed && state_ != State::Lingering;
}

void Connection::on_streams_changed(size_t open, uint64_t request_deadline_ms) {
    if (state_ != State::Http2) return;
    if (open == 0) {
        wait_for_request(); // idle: the request timeout closes it, as for a keep-alive
    } else if (request_deadline_ms != 0) {
        // A request still arriving: the sweep resets its stream when it is due.
        deadline_ms_ = request_deadline_ms;
        if (list() != &set_.waiting_) {
            list_remove();
            list_insert(set_.waiting_);
        }
    } else if (list() != &set_.streaming_) {
        list_remove();
        list_insert(set_.streaming_);
    }
}

} // namespace ssehub::http1
