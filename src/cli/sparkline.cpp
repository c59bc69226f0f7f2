#include "cli/sparkline.hpp"

#include <algorithm>
#include <cmath>

namespace ssehub::cli {

std::string sparkline(const std::deque<double>& values, size_t width) {
    static const char* const blocks[] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                         "\u2585", "\u2586", "\u2587", "\u2588"};
    constexpr int top = 7;
    size_t first = values.size() > width ? values.size() - width : 0;
    double low = 0, high = 0;
    for (size_t i = first; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) continue;
        low = std::min(low, values[i]);
        high = std::max(high, values[i]);
    }
    std::string out;
    for (size_t i = first; i < values.size(); ++i) {
        double v = values[i];
        if (!std::isfinite(v)) {
            out += ' ';
            continue;
        }
        int level = 0;
        if (v > low && high > low) {
            // (low, high) onto ▂..▇ in equal steps; only the highest is a full block.
            double share = (v - low) / (high - low);
            level = v >= high ? top : 1 + static_cast<int>(share * (top - 1));
        }
        out += blocks[level];
    }
    return out;
}

} // namespace ssehub::cli
