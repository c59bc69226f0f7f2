#include "sse/event_id.hpp"
#include "sse/id_source.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>

using namespace ssehub::sse;

TEST_CASE("ids parse and print as <ms>-<seq>") {
    CHECK(EventId::parse("1700000000000-12") == EventId{1700000000000, 12});
    CHECK(EventId::parse("42") == EventId{42, 0});
    CHECK((EventId{5, 7}.to_string()) == "5-7");
    CHECK_FALSE(EventId::parse(""));
    CHECK_FALSE(EventId::parse("-1"));
    CHECK_FALSE(EventId::parse("1-"));
    CHECK_FALSE(EventId::parse("1-2-3"));
    CHECK_FALSE(EventId::parse("abc"));
    CHECK_FALSE(EventId::parse(" 1-2"));
    CHECK_FALSE(EventId::parse("99999999999999999999999-1"));
}

TEST_CASE("ids compare as the (ms, seq) pair") {
    CHECK(EventId{1, 9} < EventId{2, 0});
    CHECK(EventId{2, 1} > EventId{2, 0});
}

namespace {
std::string temp_dir() {
    char tmpl[] = "/tmp/ssehub-unit-XXXXXX";
    return mkdtemp(tmpl);
}
} // namespace

TEST_CASE("ids grow when the clock stands still or steps back") {
    std::string dir = temp_dir();
    IdSource ids(dir, 1000);
    EventId a = *ids.next(5000);
    EventId b = *ids.next(5000);
    EventId c = *ids.next(4000); // clock stepped back
    EventId d = *ids.next(6000);
    CHECK(a < b);
    CHECK(b < c);
    CHECK(c < d);
    std::filesystem::remove_all(dir);
}

TEST_CASE("ids after a restart are greater than any id of the run before") {
    std::string dir = temp_dir();
    EventId last;
    {
        IdSource ids(dir, 1000);
        for (uint64_t t = 1000; t < 50000; t += 700)
            last = *ids.next(t);
    }
    // The new run's clock is behind the old run's (a restart after a clock step back).
    IdSource again(dir, 2000);
    CHECK(*again.next(2000) > last);
    std::filesystem::remove_all(dir);
}

TEST_CASE("a damaged state file is refused with a clear reason") {
    std::string dir = temp_dir();
    std::ofstream(dir + "/ssehub.state") << "garbage";
    CHECK_THROWS_WITH_AS(IdSource(dir, 1), doctest::Contains("damaged"), std::runtime_error);
    std::filesystem::remove_all(dir);
}

TEST_CASE("a state file holds exactly 'mark <ms>': no overflow, sign, exponent or trailing words") {
    CHECK(IdSource::parse_mark("mark 123\n") == 123u);
    CHECK(IdSource::parse_mark("mark 999999999999999\n") == IdSource::max_mark);
    for (const char* text :
         {"mark 18446744073709551615\n", "mark 18446744073709551616\n", "mark 1000000000000000\n",
          "mark 123 junk\n", "mark 1e5\n", "mark -5\n", "mark +5\n", "mark 0x10\n", "mark \n",
          "mark 123", "mark 123\n\n", "mark  123\n", "", "garbage\n"})
        CHECK_MESSAGE(!IdSource::parse_mark(text), text);
    std::string dir = temp_dir();
    std::ofstream(dir + "/ssehub.state") << "mark 18446744073709551615\n";
    std::string message;
    try {
        IdSource ids(dir, 1);
    } catch (const std::runtime_error& e) {
        message = e.what();
    }
    CHECK(message.find(dir + "/ssehub.state is damaged") != std::string::npos);
    std::filesystem::remove_all(dir);
}
