// The Prometheus text parser of `ssehub stats`: never crashes, and every sample it returns
// is made of the input's own bytes (a name without blanks or braces, labels no longer than
// the input); looking up labels in any label set never reads past it.
#include "cli/prometheus_text.hpp"

#include <cstdint>
#include <cstdlib>

using namespace ssehub::cli;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(bytes), size);
    std::vector<MetricSample> samples = parse_prometheus_text(input);
    for (const MetricSample& s : samples) {
        if (s.name.empty() || s.name.find_first_of(" \t{\n") != std::string::npos ||
            s.name.front() == '#' || s.name.size() + s.labels.size() > input.size())
            std::abort();
        if (!metric_sum(samples, s.name)) std::abort();
        for (std::string_view label : {"reason", "le", ""})
            if (auto v = label_value(s.labels, label); v && v->size() > s.labels.size())
                std::abort();
    }
    // The input as a label set too: the parser is handed whatever the braces held.
    if (auto v = label_value(input, "reason"); v && v->size() > input.size()) std::abort();
    return 0;
}
