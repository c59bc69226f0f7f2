// `ssehub subscribe`: a Subscription whose printer writes each event to stdout (human form or
// JSON, see event_format.hpp) and flushes it at once, so a pipe sees every event as it comes.
#include "cli/commands.hpp"
#include "cli/event_format.hpp"
#include "cli/subscription.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ssehub::cli {

int run_subscribe(const ClientOptions& options, const Url& url) {
    bool json = options.json;
    auto print = [json](const SseEvent& event, int& status) {
        std::string text = json ? format_json(event) : format_human(event);
        if (std::fwrite(text.data(), 1, text.size(), stdout) == text.size() &&
            std::fflush(stdout) == 0)
            return true;
        if (errno == EPIPE) {
            status = 0; // the reader has had enough, as with `| head -n 3`
        } else {
            report(std::string("subscribe: cannot write to standard output: ") +
                   std::strerror(errno));
            status = 1;
        }
        return false;
    };
    Subscription subscription(options, url, print);
    return subscription.run();
}

} // namespace ssehub::cli
