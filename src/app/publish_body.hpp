// The fields of a publish request (event, data, topic) from a form or JSON body.
#pragma once

#include "base/bounded_json.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace ssehub::app {

struct PublishFields {
    std::string event = "message";
    std::string data;
    std::optional<std::string> topic; // absent: none; present, even empty: validated as a name
};

struct BodyError {
    int status; // 400 or 415
    std::string reason;
};

// content_type may be empty (treated as a form). JSON: an object whose "event" and "topic"
// are strings; "data" a string, or any other JSON value, which is sent as compact JSON text.
// JSON nested deeper than max_json_depth is refused (400) without being built.
std::variant<PublishFields, BodyError> decode_publish_body(std::string_view content_type,
                                                           std::string_view body);

} // namespace ssehub::app
