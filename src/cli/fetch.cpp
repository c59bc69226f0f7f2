#include "cli/fetch.hpp"

namespace ssehub::cli {

FetchResult fetch(const Url& url, const Request& request, uint64_t timeout_ms) {
    FetchResult result;
    uv_loop_t loop;
    uv_loop_init(&loop);
    HttpExchange* exchange = nullptr; // not owned; valid until on_done or cancel()
    bool done = false;
    HttpExchange::Handlers handlers;
    handlers.on_head = [&](const ResponseHead& head) { result.head = head; };
    handlers.on_body = [&](std::string_view bytes) {
        if (result.body.size() + bytes.size() > max_fetch_body_bytes) {
            result.error = "the answer from " + url.text + " is larger than 16 MiB";
            done = true;
            exchange->cancel();
            return;
        }
        result.body.append(bytes);
    };
    handlers.on_done = [&](const std::string& error) {
        done = true;
        if (result.error.empty()) result.error = error;
    };
    exchange = HttpExchange::start(&loop, url, request, std::move(handlers), timeout_ms);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (!done) result.error = "the request to " + url.text + " ended without an answer";
    uv_loop_close(&loop);
    return result;
}

std::string one_line_reason(const FetchResult& r) {
    std::string_view body = r.body;
    size_t eol = body.find_first_of("\r\n");
    std::string_view line = body.substr(0, eol);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t'))
        line.remove_suffix(1);
    std::string out = std::to_string(r.head.status);
    if (line.empty()) line = r.head.reason;
    if (line.size() > 300) line = line.substr(0, 300);
    if (!line.empty()) {
        out += ' '; // not `" " + std::string(line)`: GCC 12's -Wrestrict misreads that (-O3)
        out += line;
    }
    return out;
}

} // namespace ssehub::cli
