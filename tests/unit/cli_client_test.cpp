// The pure parts of the client commands: --url, the HTTP response reader, the Prometheus text
// reader of `stats`, and how `subscribe` prints events.
#include "cli/event_format.hpp"
#include "cli/prometheus_text.hpp"
#include "cli/response_reader.hpp"
#include "cli/url.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace ssehub::cli;

namespace {

Url url_of(std::string_view text) {
    std::string error;
    auto url = parse_url(text, error);
    INFO(error);
    REQUIRE(url);
    return *url;
}

std::string url_error(std::string_view text) {
    std::string error;
    CHECK(!parse_url(text, error));
    return error;
}

// Feeds the response `step` bytes at a time; returns the body, the final state via `state`.
std::string read_response(std::string_view bytes, size_t step, ResponseReader& r,
                          bool eof = false) {
    std::string body;
    for (size_t i = 0; i < bytes.size(); i += step)
        r.feed(bytes.substr(i, step), body);
    if (eof) r.finish();
    return body;
}

} // namespace

TEST_CASE("url: http with host, port and prefix") {
    Url u = url_of("http://127.0.0.1:8080");
    CHECK(!u.is_unix);
    CHECK(u.host == "127.0.0.1");
    CHECK(u.port == 8080);
    CHECK(u.target("/publish") == "/publish");
    CHECK(u.host_header() == "127.0.0.1:8080");

    Url p = url_of("http://hub.example/ssehub/");
    CHECK(p.port == 80);
    CHECK(p.target("/events") == "/ssehub/events");
    CHECK(p.host_header() == "hub.example");

    Url v6 = url_of("http://[::1]:9000");
    CHECK(v6.host == "::1");
    CHECK(v6.port == 9000);
    CHECK(v6.host_header() == "[::1]:9000");
}

TEST_CASE("url: unix socket") {
    Url u = url_of("unix:/run/ssehub/ssehub.sock");
    CHECK(u.is_unix);
    CHECK(u.socket_path == "/run/ssehub/ssehub.sock");
    CHECK(u.host_header() == "localhost");
}

TEST_CASE("url: https and other schemes are refused with a reason") {
    CHECK(url_error("https://hub.example").find("https:// is not supported") != std::string::npos);
    CHECK(!url_error("ftp://x").empty());
    CHECK(!url_error("127.0.0.1:8080").empty());
    CHECK(!url_error("unix:").empty());
    CHECK(!url_error("http://").empty());
    CHECK(!url_error("http://h:0").empty());
    CHECK(!url_error("http://h:65536").empty());
    CHECK(!url_error("http://h:").empty());
    CHECK(!url_error("http://h:x1").empty());
    CHECK(!url_error("http://[::1").empty());
    CHECK(!url_error("http://h/x?y=1").empty());
    CHECK(!url_error("http://user@h").empty());
}

TEST_CASE("url: a query or user info is refused without echoing the secret it may hold") {
    std::string e = url_error("http://127.0.0.1:8080/?access_token=eyJhbGciOi.secret.sig");
    CHECK(e.find("no ?query") != std::string::npos);
    CHECK(e.find("secret") == std::string::npos);
    e = url_error("http://user:hunter2@127.0.0.1:8080");
    CHECK(!e.empty());
    CHECK(e.find("hunter2") == std::string::npos);
}

TEST_CASE("url: query values are percent-encoded") {
    CHECK(percent_encode("a b&c=d/é~") == "a%20b%26c%3Dd%2F%C3%A9~");
}

TEST_CASE("http: a Content-Length response, in any split") {
    std::string bytes = "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
                        "Content-Length: 13\r\n\r\n{\"id\":\"1-0\"}\n";
    for (size_t step = 1; step <= bytes.size(); ++step) {
        CAPTURE(step);
        ResponseReader r;
        std::string body = read_response(bytes, step, r);
        REQUIRE(r.state() == ResponseReader::State::Complete);
        CHECK(r.head().status == 202);
        CHECK(r.head().reason == "Accepted");
        REQUIRE(r.head().header("content-type"));
        CHECK(*r.head().header("content-type") == "application/json");
        CHECK(body == "{\"id\":\"1-0\"}\n");
    }
}

TEST_CASE("http: a chunked response is de-chunked") {
    std::string bytes = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n";
    for (size_t step = 1; step <= bytes.size(); ++step) {
        CAPTURE(step);
        ResponseReader r;
        std::string body = read_response(bytes, step, r);
        CHECK(r.state() == ResponseReader::State::Complete);
        CHECK(body == "hello world");
    }
}

TEST_CASE("http: a close-delimited body ends at EOF") {
    ResponseReader r;
    std::string body = read_response("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
                                     "retry: 3000\n\n: hi\n\n",
                                     7, r);
    CHECK(r.state() == ResponseReader::State::Body);
    CHECK(body == "retry: 3000\n\n: hi\n\n");
    CHECK(r.finish() == ResponseReader::State::Complete);
}

TEST_CASE("http: EOF inside a Content-Length body or before the head is an error") {
    ResponseReader r;
    read_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 100, r);
    CHECK(r.finish() == ResponseReader::State::Error);
    ResponseReader h;
    read_response("HTTP/1.1 200 OK\r\nContent-Le", 100, h);
    CHECK(h.finish() == ResponseReader::State::Error);
    CHECK(!h.error().empty());
}

TEST_CASE("http: an interim 100 Continue is skipped") {
    ResponseReader r;
    std::string body = read_response(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad Request\r\nContent-Length: 4\r\n\r\nbad\n",
        3, r);
    CHECK(r.state() == ResponseReader::State::Complete);
    CHECK(r.head().status == 400);
    CHECK(body == "bad\n");
}

TEST_CASE("http: garbage and oversized heads are errors, bytes after the response ignored") {
    ResponseReader r;
    std::string body;
    CHECK(r.feed("SSH-2.0-OpenSSH\r\n", body) == ResponseReader::State::Error);
    ResponseReader big;
    std::string head = "HTTP/1.1 200 OK\r\nX: " + std::string(70000, 'a') + "\r\n\r\n";
    CHECK(big.feed(head, body) == ResponseReader::State::Error);
    ResponseReader two;
    CHECK(two.feed("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 500 Oops\r\n\r\n", body) ==
          ResponseReader::State::Complete);
    CHECK(two.head().status == 204);
}

TEST_CASE("prometheus: samples, labels and sums") {
    std::string text = "# HELP ssehub_subscribers Connected subscribers.\n"
                       "# TYPE ssehub_subscribers gauge\n"
                       "ssehub_subscribers 3\n"
                       "ssehub_build_info{version=\"0.1.0\"} 1\n"
                       "ssehub_rejected_requests_total{reason=\"timeout\"} 2\n"
                       "ssehub_rejected_requests_total{reason=\"a\\\"}b\",x=\"y\"} 5\r\n"
                       "ssehub_uptime_seconds 12.0 1700000000000\n"
                       "malformed\n"
                       "bad_value abc\n";
    auto samples = parse_prometheus_text(text);
    CHECK(metric_sum(samples, "ssehub_subscribers") == 3.0);
    CHECK(metric_sum(samples, "ssehub_rejected_requests_total") == 7.0);
    CHECK(metric_sum(samples, "ssehub_uptime_seconds") == 12.0);
    CHECK(!metric_sum(samples, "bad_value"));
    CHECK(!metric_sum(samples, "absent"));
    REQUIRE(samples.size() == 5);
    CHECK(label_value(samples[2].labels, "reason") == "timeout");
    CHECK(label_value(samples[3].labels, "reason") == "a\"}b");
    CHECK(label_value(samples[3].labels, "x") == "y");
    CHECK(!label_value(samples[3].labels, "z"));
}

TEST_CASE("print: human form, multi-line data indented") {
    CHECK(format_human({"1-0", "update", "hello"}) == "[1-0] update: hello\n");
    CHECK(format_human({"1-0", "update", "a\nb\n"}) == "[1-0] update: a\n    b\n    \n");
    CHECK(format_human({"", "message", "x"}) == "message: x\n");
    CHECK(format_human({"2-0", "tick", ""}) == "[2-0] tick:\n");
}

TEST_CASE("print: control characters cannot reach the terminal") {
    CHECK(format_human({"1", "t", "\x1b[31mred\x07\tx"}) == "[1] t: \\x1b[31mred\\x07\tx\n");
    CHECK(printable("\xC2\x9B"
                    "2J \xC3\xA9") == "\\u009b2J \xC3\xA9");
}

TEST_CASE("print: JSON form is one line with id, event, data in that order") {
    CHECK(format_json({"1-0", "update", "a\nb\"c"}) ==
          "{\"id\":\"1-0\",\"event\":\"update\",\"data\":\"a\\nb\\\"c\"}\n");
}
