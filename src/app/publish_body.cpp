#include "app/publish_body.hpp"

#include "app/form_decoding.hpp"
#include "base/bounded_json.hpp"

#include <algorithm>
#include <cctype>

namespace ssehub::app {

namespace {

std::string media_type(std::string_view content_type) {
    std::string t(content_type.substr(0, content_type.find(';')));
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t'))
        t.pop_back();
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t'))
        t.erase(t.begin());
    std::transform(t.begin(), t.end(), t.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return t;
}

std::variant<PublishFields, BodyError> from_form(std::string_view body) {
    auto params = parse_params(body);
    if (!params) return BodyError{400, "body is not valid form encoding (bad % escape)"};
    PublishFields f;
    for (auto& [k, v] : *params) {
        if (k == "event")
            f.event = std::move(v);
        else if (k == "data")
            f.data = std::move(v);
        else if (k == "topic")
            f.topic = std::move(v);
    }
    return f;
}

std::variant<PublishFields, BodyError> from_json(std::string_view body) {
    auto [doc, too_deep] = base::parse_bounded_json(body);
    if (too_deep)
        return BodyError{400, "JSON nests deeper than " + std::to_string(base::max_json_depth) +
                                  " levels of arrays and objects"};
    if (doc.is_discarded()) return BodyError{400, "body is not valid JSON"};
    if (!doc.is_object()) return BodyError{400, "JSON body must be an object"};
    PublishFields f;
    for (const char* key : {"event", "topic"}) {
        auto it = doc.find(key);
        if (it == doc.end() || it->is_null()) continue;
        if (!it->is_string()) return BodyError{400, std::string(key) + " must be a string"};
        if (key[0] == 'e')
            f.event = it->get<std::string>();
        else
            f.topic = it->get<std::string>();
    }
    if (auto it = doc.find("data"); it != doc.end() && !it->is_null())
        f.data = it->is_string() ? it->get<std::string>() : it->dump();
    return f;
}

} // namespace

std::variant<PublishFields, BodyError> decode_publish_body(std::string_view content_type,
                                                           std::string_view body) {
    std::string type = media_type(content_type);
    if (type == "application/json") return from_json(body);
    if (type.empty() || type == "application/x-www-form-urlencoded") return from_form(body);
    return BodyError{415, "Content-Type must be application/x-www-form-urlencoded or "
                          "application/json"};
}

} // namespace ssehub::app
