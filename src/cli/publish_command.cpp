// `ssehub publish`: one POST /publish with a JSON body built by nlohmann::json (so any text is
// escaped properly), then the assigned id on stdout. Never retries: a publisher that wants
// at-least-once delivery decides that itself.
#include "base/bounded_json.hpp"
#include "cli/commands.hpp"
#include "cli/fetch.hpp"
#include "cli/utf8_decoder.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

namespace ssehub::cli {

namespace {

constexpr uint64_t publish_timeout_ms = 10000;
constexpr size_t max_data_bytes = size_t{64} << 20;

bool valid_utf8(const std::string& text) {
    Utf8Decoder decoder;
    std::string decoded;
    decoder.decode(text, decoded);
    decoder.finish(decoded);
    return decoded == text;
}

// Reads all of `in`; sets `error` on failure. `name` is for messages.
bool read_all(std::FILE* in, const std::string& name, std::string& out, std::string& error) {
    char buf[64 * 1024];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, in)) > 0) {
        if (out.size() + n > max_data_bytes) {
            error = name + " holds more than 64 MiB; the hub would refuse it";
            return false;
        }
        out.append(buf, n);
    }
    if (std::ferror(in)) {
        error = "cannot read " + name + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

// A file or a pipe almost always ends in one newline the user did not mean as data.
void drop_one_trailing_newline(std::string& data) {
    if (data.ends_with("\r\n"))
        data.resize(data.size() - 2);
    else if (data.ends_with('\n'))
        data.pop_back();
}

bool load_data(const ClientOptions& o, std::string& data, std::string& error) {
    if (o.data) {
        data = *o.data;
        return true;
    }
    if (o.data_file) {
        std::FILE* f = std::fopen(o.data_file->c_str(), "rb");
        if (!f) {
            error = "cannot open " + *o.data_file + ": " + std::strerror(errno);
            return false;
        }
        bool ok = read_all(f, *o.data_file, data, error);
        std::fclose(f);
        if (ok) drop_one_trailing_newline(data);
        return ok;
    }
    if (o.data_from_stdin) {
        if (!read_all(stdin, "standard input", data, error)) return false;
        drop_one_trailing_newline(data);
    }
    return true; // no data: an event with empty data, like IntraMine's signals
}

} // namespace

int run_publish(const ClientOptions& o, const Url& url) {
    std::string data, error;
    if (!load_data(o, data, error)) {
        report("publish: " + error);
        return 1;
    }
    nlohmann::json body = nlohmann::json::object();
    if (o.event) body["event"] = *o.event;
    if (o.topic) body["topic"] = *o.topic;
    body["data"] = data;
    for (const char* field : {"event", "topic", "data"}) {
        if (body.contains(field) && !valid_utf8(body[field].get_ref<const std::string&>())) {
            report(std::string("publish: the ") + field +
                   " is not valid UTF-8; the hub carries text only");
            return 1;
        }
    }

    Request request;
    request.method = "POST";
    request.path = "/publish";
    request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    if (!o.token.empty()) request.headers.emplace_back("Authorization", "Bearer " + o.token);
    request.body = body.dump();

    FetchResult r = fetch(url, request, publish_timeout_ms);
    if (!r.error.empty()) {
        report("publish failed: " + r.error);
        return 1;
    }
    if (r.head.status < 200 || r.head.status > 299) {
        report("publish failed: " + one_line_reason(r));
        return 1;
    }
    std::string id;
    try {
        // The answer comes from whatever listens at --url: bounded like any outside JSON.
        id = base::parse_bounded_json(r.body).doc.at("id").get<std::string>();
    } catch (const nlohmann::json::exception&) {
        report("publish: the hub at " + url.text + " accepted the event but its answer has no id");
        return 1;
    }
    std::printf("%s\n", id.c_str());
    if (std::fflush(stdout) != 0) {
        report(std::string("publish: cannot write to standard output: ") + std::strerror(errno));
        return 1;
    }
    return 0;
}

} // namespace ssehub::cli
