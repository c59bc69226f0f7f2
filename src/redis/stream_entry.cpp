#include "redis/stream_entry.hpp"

#include "base/log.hpp"
#include "sse/event_validation.hpp"

#include <hiredis/hiredis.h>

namespace ssehub::redis {

namespace {

// A field name fit for a log line: printable ASCII, the rest escaped, cut short.
std::string printable(std::string_view s) {
    std::string out;
    for (unsigned char c : s.substr(0, 40)) {
        if (c >= 0x20 && c < 0x7f && c != '\'') {
            out += static_cast<char>(c);
        } else {
            static const char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    if (s.size() > 40) out += "...";
    return out;
}

std::string_view view(const redisReply* r) {
    return {r->str, r->len};
}

} // namespace

Decoded decode_entry(const redisReply* entry, size_t max_data, sse::Event& out, std::string& why) {
    out = sse::Event{};
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[0]->type != REDIS_REPLY_STRING) {
        why = "not a stream entry";
        return Decoded::Malformed;
    }
    auto id = sse::EventId::parse(view(entry->element[0]));
    if (!id) {
        why = "bad entry id";
        return Decoded::Malformed;
    }
    out.id = *id;
    const redisReply* fields = entry->element[1];
    if (fields->type != REDIS_REPLY_ARRAY || fields->elements % 2 != 0) {
        why = "fields are not name/value pairs";
        return Decoded::NotOurs;
    }
    bool marker = false, has_type = false, has_data = false, has_topic = false, has_bc = false;
    for (size_t i = 0; i < fields->elements; i += 2) {
        const redisReply* name = fields->element[i];
        const redisReply* value = fields->element[i + 1];
        if (name->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING) {
            why = "a field is not a string";
            return Decoded::NotOurs;
        }
        std::string_view n = view(name), v = view(value);
        bool* seen = n == "ssehub"      ? &marker
                     : n == "event"     ? &has_type
                     : n == "data"      ? &has_data
                     : n == "topic"     ? &has_topic
                     : n == "broadcast" ? &has_bc
                                        : nullptr;
        if (!seen) {
            why = "unknown field '" + printable(n) + "'";
            return Decoded::NotOurs;
        }
        if (*seen) {
            why = "field '" + std::string(n) + "' twice";
            return Decoded::NotOurs;
        }
        *seen = true;
        if (n == "ssehub" && v != "1") {
            why = "ssehub field is '" + printable(v) + "', not 1";
            return Decoded::NotOurs;
        }
        if (n == "broadcast" && v != "1") {
            why = "broadcast field is not 1";
            return Decoded::NotOurs;
        }
        if (n == "event") out.type = v;
        if (n == "data") out.data = v;
        if (n == "topic") out.topic = v;
        if (n == "broadcast") out.broadcast = true;
    }
    if (!marker || !has_type || !has_data) {
        why = !marker ? "no ssehub=1 field" : !has_type ? "no event field" : "no data field";
        return Decoded::NotOurs;
    }
    std::optional<std::string_view> topic;
    if (has_topic) topic = out.topic;
    if (auto bad = sse::validate_event(out.type, topic, out.data, max_data)) {
        why = bad->reason;
        return Decoded::NotOurs;
    }
    return Decoded::Event;
}

void SkipLog::skipped(const sse::EventId& id, const std::string& why, uint64_t now_ms) {
    if (logged_once_ && now_ms - last_log_ms_ < 10000) {
        ++unlogged_;
        return;
    }
    std::string line = "redis: skipped stream entry " + id.to_string() +
                       " that ssehub did not write (" + why + ")";
    if (unlogged_ > 0)
        line += "; " + std::to_string(unlogged_) + " more skipped since the last such line";
    log::warn(line);
    logged_once_ = true;
    last_log_ms_ = now_ms;
    unlogged_ = 0;
}

} // namespace ssehub::redis
