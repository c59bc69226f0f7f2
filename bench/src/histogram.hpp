// A latency histogram: log-linear buckets (64 per power of two, under 1.6 % error) over
// nanoseconds, exact count/min/max/sum. Fixed size, so histograms from worker processes merge
// by adding bucket counts. Never allocates after construction.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>

namespace bench {

class Histogram {
  public:
    void record(uint64_t value);
    void merge(const Histogram& other);

    uint64_t count() const { return count_; }
    uint64_t min() const { return count_ ? min_ : 0; }
    uint64_t max() const { return max_; }
    double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0.0; }
    // The value below which `fraction` (0..1) of the samples lie; the exact max for 1.0.
    uint64_t percentile(double fraction) const;

    nlohmann::json to_json() const;
    static Histogram from_json(const nlohmann::json& j);

  private:
    static constexpr unsigned sub_bits = 6;
    static constexpr unsigned linear = 2u << sub_bits; // values below this are exact
    static constexpr unsigned buckets = linear + (64 - sub_bits - 1) * (1u << sub_bits);

    static unsigned index_of(uint64_t value);
    static uint64_t middle_of(unsigned index);

    std::array<uint64_t, buckets> counts_{};
    uint64_t count_ = 0;
    uint64_t min_ = UINT64_MAX;
    uint64_t max_ = 0;
    uint64_t sum_ = 0;
};

} // namespace bench
