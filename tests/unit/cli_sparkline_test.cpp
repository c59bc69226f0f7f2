// `stats --watch`'s sparkline (src/cli/sparkline.hpp): which block each value gets.
#include "cli/sparkline.hpp"

#include <cmath>
#include <doctest/doctest.h>
#include <string>

using namespace ssehub::cli;

namespace {

const std::string b1 = "\u2581", b2 = "\u2582", b4 = "\u2584", b7 = "\u2587", b8 = "\u2588";

std::string repeat(const std::string& s, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i)
        out += s;
    return out;
}

} // namespace

TEST_CASE("sparkline: zero is the lowest block, the highest value the full one") {
    CHECK(sparkline({0, 5, 15, 25, 35, 45, 55, 60}) ==
          b1 + b2 + "\u2583" + b4 + "\u2585" + "\u2586" + b7 + b8);
    CHECK(sparkline({0, 10}) == b1 + b8);
}

TEST_CASE("sparkline: a small rise is never drawn as nothing") {
    CHECK(sparkline({0, 1, 1000}) == b1 + b2 + b8);
    CHECK(sparkline({999, 1000}) == b7 + b8);
}

TEST_CASE("sparkline: a flat line stays flat") {
    CHECK(sparkline({0, 0, 0}) == repeat(b1, 3));
    CHECK(sparkline({5, 5, 5}) == repeat(b8, 3)); // scaled from 0: a steady 5 is high
    CHECK(sparkline({}) == "");
}

TEST_CASE("sparkline: a sample without a reading is a gap") {
    CHECK(sparkline({0, NAN, 4}) == b1 + " " + b8);
    CHECK(sparkline({INFINITY, 2}) == " " + b8);
}

TEST_CASE("sparkline: only the last `width` values, scaled among themselves") {
    std::deque<double> values = {1000};
    for (int i = 0; i < 30; ++i)
        values.push_back(i % 2 ? 10 : 0);
    std::string line = sparkline(values);
    CHECK(line.size() == 30 * b1.size());
    CHECK(line == repeat(b1 + b8, 15)); // the 1000 fell out of the window
    CHECK(sparkline({1, 2, 3, 4}, 2) == "\u2586" + b8);
}

TEST_CASE("sparkline: negative values scale from the lowest") {
    CHECK(sparkline({-4, 0, 4}) == b1 + "\u2585" + b8);
}
