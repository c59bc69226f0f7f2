#include "base/bounded_json.hpp"

namespace ssehub::base {

BoundedJson parse_bounded_json(std::string_view text) {
    BoundedJson out;
    bool& too_deep = out.too_deep;
    auto bound_depth = [&too_deep](int depth, nlohmann::json::parse_event_t event,
                                   nlohmann::json&) {
        using E = nlohmann::json::parse_event_t;
        if ((event == E::object_start || event == E::array_start) && depth >= max_json_depth)
            too_deep = true;
        return !too_deep; // once too deep, the rest is only scanned, never kept
    };
    out.doc = nlohmann::json::parse(text, bound_depth, false);
    if (too_deep) out.doc = nlohmann::json(nlohmann::json::value_t::discarded);
    return out;
}

} // namespace ssehub::base
