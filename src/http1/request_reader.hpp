// Bytes -> Requests, through llhttp in its strict mode, with the hub's limits applied while
// reading: the request line and headers are bounded (414/431), the body is bounded as it
// arrives (413, chunked included, the excess never buffered), and RFC 9112 rules llhttp leaves
// to us are checked here: exactly one Host in HTTP/1.1; only HTTP/1.0 and HTTP/1.1 (no
// HTTP/0.9 line without a version, no HTTP/2.0 over HTTP/1.1 parsing); and, by one cheap pass
// over the bytes of each head, no bare CR and no line folding (obs-fold); no field without a
// name; no transfer coding but chunked (501). Field values are trimmed of optional whitespace
// (SP, HTAB) once, here; trailer fields are read (and counted) but never become headers. One reader
// per connection that is still reading requests; a streaming connection frees it.
#pragma once

#include "app/request.hpp"
#include "metrics/metrics.hpp"

#include <cstddef>
#include <llhttp.h>
#include <string>

namespace ssehub::http1 {

struct ReadLimits {
    size_t max_header_bytes = 8u << 10;
    size_t max_body_bytes = 64u << 10;
};

class RequestReader {
  public:
    enum class Result { NeedMore, Complete, Error };

    explicit RequestReader(const ReadLimits& limits);
    RequestReader(const RequestReader&) = delete;
    RequestReader& operator=(const RequestReader&) = delete;

    // Parses up to one whole request from data[0..len). `consumed` is how much was used; on
    // Complete the rest belongs to the next request (pipelining). After Error, stop feeding.
    Result feed(const char* data, size_t len, size_t& consumed);
    // Prepares for the next request on the same connection.
    void next();

    app::Request& request() { return request_; }
    // True once any byte of the current request has arrived.
    bool started() const { return started_; }
    // True once, when the client asked for "100 Continue" before sending its body.
    bool take_expect_continue() {
        bool e = expect_continue_;
        expect_continue_ = false;
        return e;
    }

    int error_status() const { return error_status_; }
    const std::string& error_reason() const { return error_reason_; }
    metrics::Rejected error_kind() const { return error_kind_; }

  private:
    static int on_message_begin(llhttp_t* p) noexcept;
    static int on_method(llhttp_t* p, const char* at, size_t len) noexcept;
    static int on_url(llhttp_t* p, const char* at, size_t len) noexcept;
    static int on_header_field(llhttp_t* p, const char* at, size_t len) noexcept;
    static int on_header_value(llhttp_t* p, const char* at, size_t len) noexcept;
    static int on_header_value_complete(llhttp_t* p) noexcept;
    static int on_headers_complete(llhttp_t* p) noexcept;
    static int on_body(llhttp_t* p, const char* at, size_t len) noexcept;
    static int on_message_complete(llhttp_t* p) noexcept;

    int fail(int status, metrics::Rejected kind, std::string reason);
    bool count_header_bytes(size_t n);
    // Checks the line structure of the head in data[0..len); false (and the error set) on a
    // bare CR or a folded line. Stops at the empty line that ends the head.
    bool scan_head(const char* data, size_t len);

    // Where scan_head() is in the head: before the request line (empty lines allowed there),
    // after a CR there, inside a line, after a CR ending it, at the start of a field line,
    // after the CR of the empty line, past the head.
    enum class HeadScan : uint8_t {
        BeforeRequestLine,
        LeadingCr,
        InLine,
        AfterCr,
        LineStart,
        EndCr,
        Done
    };

    static const llhttp_settings_t& settings();

    ReadLimits limits_;
    llhttp_t parser_;
    app::Request request_;
    std::string field_, value_;
    bool in_value_ = false;
    bool in_trailers_ = false; // the headers are complete: fields now are trailers, dropped
    HeadScan scan_ = HeadScan::BeforeRequestLine;
    size_t header_bytes_ = 0;
    bool started_ = false;
    bool expect_continue_ = false;
    int error_status_ = 0;
    metrics::Rejected error_kind_ = metrics::Rejected::BadRequest;
    std::string error_reason_;
};

} // namespace ssehub::http1
