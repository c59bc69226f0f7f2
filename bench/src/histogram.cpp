#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <nlohmann/json.hpp>

namespace bench {

unsigned Histogram::index_of(uint64_t value) {
    if (value < linear) return static_cast<unsigned>(value);
    unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(value));
    unsigned shift = msb - sub_bits;                           // >= 1 here
    unsigned mantissa = static_cast<unsigned>(value >> shift); // in [2^sub_bits, 2^(sub_bits+1))
    return linear + (shift - 1) * (1u << sub_bits) + (mantissa - (1u << sub_bits));
}

uint64_t Histogram::middle_of(unsigned index) {
    if (index < linear) return index;
    unsigned shift = (index - linear) / (1u << sub_bits) + 1;
    uint64_t mantissa = (index - linear) % (1u << sub_bits) + (1u << sub_bits);
    uint64_t low = mantissa << shift;
    return low + ((uint64_t{1} << shift) >> 1);
}

void Histogram::record(uint64_t value) {
    ++counts_[index_of(value)];
    ++count_;
    sum_ += value;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
}

void Histogram::merge(const Histogram& other) {
    for (unsigned i = 0; i < buckets; ++i)
        counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
}

uint64_t Histogram::percentile(double fraction) const {
    if (count_ == 0) return 0;
    if (fraction >= 1.0) return max_;
    auto rank = static_cast<uint64_t>(std::ceil(fraction * static_cast<double>(count_)));
    rank = std::max<uint64_t>(rank, 1);
    uint64_t seen = 0;
    for (unsigned i = 0; i < buckets; ++i) {
        seen += counts_[i];
        if (seen >= rank) return std::clamp(middle_of(i), min_, max_);
    }
    return max_;
}

nlohmann::json Histogram::to_json() const {
    nlohmann::json sparse = nlohmann::json::array();
    for (unsigned i = 0; i < buckets; ++i)
        if (counts_[i]) sparse.push_back({i, counts_[i]});
    return {{"count", count_}, {"min", min()}, {"max", max_}, {"sum", sum_}, {"b", sparse}};
}

Histogram Histogram::from_json(const nlohmann::json& j) {
    Histogram h;
    h.count_ = j.at("count").get<uint64_t>();
    h.min_ = h.count_ ? j.at("min").get<uint64_t>() : UINT64_MAX;
    h.max_ = j.at("max").get<uint64_t>();
    h.sum_ = j.at("sum").get<uint64_t>();
    for (const auto& pair : j.at("b")) {
        auto i = pair.at(0).get<unsigned>();
        if (i < buckets) h.counts_[i] = pair.at(1).get<uint64_t>();
    }
    return h;
}

} // namespace bench
