// The --redis URL parser: never crashes; a URL it accepts is well formed and reads back the
// same from its to_string() (what the log lines show).
#include "redis/redis_url.hpp"

#include <cstdint>
#include <cstdlib>

using ssehub::redis::RedisUrl;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(bytes), size);
    auto parsed = RedisUrl::parse(input);
    const auto* url = std::get_if<RedisUrl>(&parsed);
    if (!url) {
        if (std::get<std::string>(parsed).empty()) std::abort(); // a refusal says why
        return 0;
    }
    if (url->kind == RedisUrl::Kind::Unix) {
        if (!url->path.starts_with('/')) std::abort();
    } else if (url->host.empty() || url->port == 0 || url->db > (1u << 30)) {
        std::abort();
    }
    auto again = RedisUrl::parse(url->to_string());
    const auto* same = std::get_if<RedisUrl>(&again);
    if (!same || same->kind != url->kind || same->host != url->host || same->port != url->port ||
        same->path != url->path || same->user != url->user || same->db != url->db)
        std::abort();
    return 0;
}
