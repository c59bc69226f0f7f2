// RequestReader: the head checks llhttp 8.1 leaves to us (bare CR, obs-fold, versions) and the
// trimming of field values, each fed whole and split at every byte, since a client chooses
// where its reads end.
#include "http1/request_reader.hpp"

#include <doctest/doctest.h>
#include <string>
#include <string_view>

using ssehub::http1::ReadLimits;
using ssehub::http1::RequestReader;

namespace {

struct Outcome {
    RequestReader::Result result;
    int status = 0;
    std::string reason;
};

// Feeds `input` in two parts (split at `split`) to a fresh reader.
Outcome feed_split(std::string_view input, size_t split, RequestReader& reader) {
    size_t offset = 0;
    RequestReader::Result r = RequestReader::Result::NeedMore;
    for (size_t end : {split, input.size()}) {
        while (offset < end) {
            size_t consumed = 0;
            r = reader.feed(input.data() + offset, end - offset, consumed);
            offset += consumed;
            if (r != RequestReader::Result::NeedMore)
                return {r, reader.error_status(), reader.error_reason()};
        }
    }
    return {r, reader.error_status(), reader.error_reason()};
}

// The outcome, asserted to be the same wherever the input is split.
Outcome feed_every_way(std::string_view input) {
    RequestReader whole(ReadLimits{});
    Outcome first = feed_split(input, input.size(), whole);
    for (size_t split = 0; split < input.size(); ++split) {
        RequestReader reader(ReadLimits{});
        Outcome o = feed_split(input, split, reader);
        CAPTURE(split);
        CHECK(o.result == first.result);
        CHECK(o.status == first.status);
        if (o.result == RequestReader::Result::Complete) {
            CHECK(reader.request().headers == whole.request().headers);
        }
    }
    return first;
}

} // namespace

TEST_CASE("a bare CR anywhere in the head is refused with 400") {
    for (std::string_view head : {
             "GET / HTTP/1.1\r\nHost: x\r\n\rSome-Header: y\r\n\r\n",
             "GET / HTTP/1.1\rHost: x\r\n\r\n",
             "GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n",
             "GET / HTTP/1.1\r\nHost: x\r\n\r\r\n",
             "\rGET / HTTP/1.1\r\nHost: x\r\n\r\n",
         }) {
        CAPTURE(head);
        Outcome o = feed_every_way(head);
        CHECK(o.result == RequestReader::Result::Error);
        CHECK(o.status == 400);
    }
}

TEST_CASE("a folded header line is refused with 400") {
    for (std::string_view head : {
             "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n",
             "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n\tb\r\n\r\n",
             "GET / HTTP/1.1\r\n Host: x\r\n\r\n",
         }) {
        CAPTURE(head);
        Outcome o = feed_every_way(head);
        CHECK(o.result == RequestReader::Result::Error);
        CHECK(o.status == 400);
        CHECK(o.reason.find("obs-fold") != std::string::npos);
    }
}

TEST_CASE("only HTTP/1.0 and HTTP/1.1 request lines are taken") {
    CHECK(feed_every_way("GET / HTTP/2.0\r\nHost: x\r\n\r\n").status == 505);
    CHECK(feed_every_way("GET /\r\nHost: x\r\n\r\n").status == 400);
    CHECK(feed_every_way("GET /\r\n\r\n").status == 400);
    CHECK(feed_every_way("GET / HTTP/1.0\r\n\r\n").result == RequestReader::Result::Complete);
    CHECK(feed_every_way("GET / HTTP/1.1\r\nHost: x\r\n\r\n").result ==
          RequestReader::Result::Complete);
}

TEST_CASE("field values are trimmed of spaces and tabs on both ends, inner ones kept") {
    RequestReader reader(ReadLimits{});
    Outcome o = feed_split("GET / HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 12-3 \t\r\n"
                           "Authorization:\t Bearer  tok \r\nEmpty: \t \r\nBare:\r\n\r\n",
                           0, reader);
    REQUIRE(o.result == RequestReader::Result::Complete);
    const auto& req = reader.request();
    CHECK(*req.header("last-event-id") == "12-3");
    CHECK(*req.header("authorization") == "Bearer  tok");
    CHECK(req.header("empty")->empty());
    CHECK(req.header("bare")->empty());
}

TEST_CASE("a CR in a body is data, and the next pipelined head is checked anew") {
    std::string input = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\na\rb"
                        "GET / HTTP/1.1\r\nHost: x\r\n\rBad: y\r\n\r\n";
    RequestReader reader(ReadLimits{});
    size_t consumed = 0;
    REQUIRE(reader.feed(input.data(), input.size(), consumed) == RequestReader::Result::Complete);
    CHECK(reader.request().body == "a\rb");
    reader.next();
    size_t rest = 0;
    CHECK(reader.feed(input.data() + consumed, input.size() - consumed, rest) ==
          RequestReader::Result::Error);
    CHECK(reader.error_status() == 400);
}

TEST_CASE("a request asking to upgrade is answered, then closes; what follows it is never a "
          "request") {
    // Found by fuzz_request_reader: llhttp reads nothing after an upgrade request, and the
    // reader used to hand out an empty request for every later feed (a phantom 404, and a
    // caller that loops on Complete never ended).
    std::string input = "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                        "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n"
                        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    RequestReader reader(ReadLimits{});
    size_t consumed = 0;
    REQUIRE(reader.feed(input.data(), input.size(), consumed) == RequestReader::Result::Complete);
    CHECK(reader.request().target == "/");
    CHECK_FALSE(reader.request().keep_alive);
    size_t offset = consumed;
    reader.next();
    for (int i = 0; i < 3 && offset < input.size(); ++i) {
        CHECK(reader.feed(input.data() + offset, input.size() - offset, consumed) ==
              RequestReader::Result::NeedMore);
        offset += consumed;
    }
    CHECK(offset == input.size());
}
