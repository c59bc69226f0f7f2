#include "cli/prometheus_text.hpp"

#include <cstdlib>

namespace ssehub::cli {

namespace {

// Index just past the '}' that closes the label set starting at `open`, or npos.
size_t end_of_labels(std::string_view line, size_t open) {
    bool quoted = false;
    for (size_t i = open + 1; i < line.size(); ++i) {
        char c = line[i];
        if (quoted && c == '\\') {
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && c == '}') {
            return i + 1;
        }
    }
    return std::string_view::npos;
}

std::optional<MetricSample> parse_line(std::string_view line) {
    size_t name_end = line.find_first_of("{ \t");
    if (name_end == 0 || name_end == std::string_view::npos) return std::nullopt;
    MetricSample s;
    s.name = line.substr(0, name_end);
    size_t pos = name_end;
    if (line[pos] == '{') {
        size_t end = end_of_labels(line, pos);
        if (end == std::string_view::npos) return std::nullopt;
        s.labels = line.substr(pos + 1, end - pos - 2);
        pos = end;
    }
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t'))
        ++pos;
    std::string value(line.substr(pos, line.find_first_of(" \t", pos) - pos));
    if (value.empty()) return std::nullopt;
    char* end = nullptr;
    s.value = std::strtod(value.c_str(), &end);
    if (end != value.c_str() + value.size()) return std::nullopt;
    return s;
}

} // namespace

std::vector<MetricSample> parse_prometheus_text(std::string_view text) {
    std::vector<MetricSample> out;
    while (!text.empty()) {
        size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (line.ends_with('\r')) line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        if (auto sample = parse_line(line)) out.push_back(std::move(*sample));
    }
    return out;
}

std::optional<double> metric_sum(const std::vector<MetricSample>& samples, std::string_view name) {
    std::optional<double> sum;
    for (const MetricSample& s : samples)
        if (s.name == name) sum = sum.value_or(0) + s.value;
    return sum;
}

std::optional<std::string> label_value(std::string_view labels, std::string_view label) {
    size_t pos = 0;
    while (pos < labels.size()) {
        while (pos < labels.size() && (labels[pos] == ',' || labels[pos] == ' '))
            ++pos;
        size_t eq = labels.find('=', pos);
        if (eq == std::string_view::npos || eq + 1 >= labels.size() || labels[eq + 1] != '"')
            return std::nullopt;
        std::string_view name = labels.substr(pos, eq - pos);
        std::string value;
        size_t i = eq + 2;
        for (; i < labels.size() && labels[i] != '"'; ++i) {
            if (labels[i] == '\\' && i + 1 < labels.size()) {
                ++i;
                value += labels[i] == 'n' ? '\n' : labels[i];
            } else {
                value += labels[i];
            }
        }
        if (name == label) return value;
        pos = i + 1;
    }
    return std::nullopt;
}

} // namespace ssehub::cli
