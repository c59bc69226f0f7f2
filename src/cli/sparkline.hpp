// A sparkline for `stats --watch`: recent values of one figure as a row of Unicode blocks
// (U+2581..U+2588, one terminal column each), so a trend shows without a curses dependency.
#pragma once

#include <cstddef>
#include <deque>
#include <string>

namespace ssehub::cli {

inline constexpr size_t sparkline_samples = 30;

// The last `width` values, oldest first, as UTF-8 blocks scaled from 0 (or the lowest value,
// if negative) to the highest: that lowest value is ▁, the highest █, and any value above the
// lowest at least ▂, so a little activity never looks like none. A value that is not finite
// (no reading that time) is a space. With fewer values than `width`, the line is shorter.
std::string sparkline(const std::deque<double>& values, size_t width = sparkline_samples);

} // namespace ssehub::cli
