// The client side's one line and field reader (src/cli/sse_field_reader.hpp) as ssehub-bench
// uses it: fields and blank lines, whatever the reads' boundaries. The WHATWG events built on
// it are tested in sse_parser_test.cpp.
#include "cli/sse_field_reader.hpp"

#include <doctest/doctest.h>
#include <string>

using ssehub::cli::SseFieldReader;

namespace {

// Writes what the reader hands over as "name=value;" and "|" for a blank line.
struct Transcript {
    std::string text;
    void field(std::string_view name, std::string_view value) {
        text += name;
        text += '=';
        text += value;
        text += ';';
    }
    void dispatch() { text += '|'; }
};

std::string read_in_pieces(std::string_view stream, size_t step) {
    SseFieldReader reader;
    Transcript t;
    for (size_t i = 0; i < stream.size(); i += step)
        reader.feed(stream.substr(i, step), t);
    return t.text;
}

} // namespace

TEST_CASE("sse fields: names, values, comments and blank lines, in any split") {
    std::string_view stream = "\xEF\xBB\xBFid: 7\r\nevent:tick\rdata:  two spaces\n: a comment\n"
                              "data\n\r\n\nretry: 10\r";
    std::string want = "id=7;event=tick;data= two spaces;data=;||retry=10;";
    for (size_t step = 1; step <= stream.size(); ++step) {
        INFO("step ", step);
        CHECK(read_in_pieces(stream, step) == want);
    }
}

TEST_CASE("sse fields: a BOM is dropped once, and a broken one is text") {
    CHECK(read_in_pieces("\xEF\xBB\xBF\xEF\xBB\xBF"
                         "a:1\n",
                         1) == "\xEF\xBB\xBF"
                               "a=1;");
    CHECK(read_in_pieces("\xEF\xBB"
                         "a:1\n",
                         1) == "\xEF\xBB"
                               "a=1;");
    CHECK(read_in_pieces("\xEF"
                         "a:1\n",
                         100) == "\xEF"
                                 "a=1;");
}

TEST_CASE("sse fields: an empty read keeps a pending CR, and an unfinished line is held") {
    SseFieldReader reader;
    Transcript t;
    reader.feed("data: x\r", t);
    reader.feed("", t);
    reader.feed("\ndata: y", t);
    CHECK(t.text == "data=x;");
    CHECK(reader.buffered() == 7);
    reader.feed("\n\n", t);
    CHECK(t.text == "data=x;data=y;|");
    CHECK(reader.buffered() == 0);
}

TEST_CASE("sse fields: restart forgets the unfinished line and expects a BOM again") {
    SseFieldReader reader;
    Transcript t;
    reader.feed("data: cut", t);
    reader.restart();
    reader.feed("\xEF\xBB\xBF"
                "data: new\n",
                t);
    CHECK(t.text == "data=new;");
}
