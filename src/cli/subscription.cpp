#include "cli/subscription.hpp"

#include "cli/commands.hpp"
#include "cli/fetch.hpp"
#include "cli/token_refusal.hpp"

#include "base/bounded_json.hpp"

#include <csignal>
#include <exception>
#include <vector>

namespace ssehub::cli {

namespace {

std::string delay_text(uint64_t ms) {
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
    return std::to_string(ms) + " ms";
}

// A client error will not go away by asking again; anything else (5xx, 429) may.
bool worth_retrying(int status) {
    return status >= 500 || status == 408 || status == 429;
}

// The hub's notice that it ended the stream for want of rights (its reason, and the id to
// resume after): one line that tells the user what to do next.
std::string expired_notice(const SseEvent& event) {
    std::string reason = "token expired";
    base::BoundedJson data = base::parse_bounded_json(event.data);
    if (data.doc.is_object() && data.doc.contains("reason") && data.doc["reason"].is_string())
        reason = data.doc["reason"].get<std::string>();
    std::string resume =
        event.id.empty() ? std::string() : " --last-event-id " + event.id + " (misses nothing)";
    return "subscribe: the hub ended the stream: " + reason + "; subscribe again with a new token" +
           resume;
}

} // namespace

Subscription::Subscription(const ClientOptions& options, const Url& url, Printer printer)
    : options_(options), url_(url), printer_(std::move(printer)) {
    if (options.last_event_id) parser_.set_last_event_id(*options.last_event_id);
}

int Subscription::run() {
    uv_loop_init(&loop_);
    uv_signal_init(&loop_, &sigint_);
    uv_signal_init(&loop_, &sigterm_);
    uv_timer_init(&loop_, &retry_timer_);
    open_handles_ = 3;
    sigint_.data = sigterm_.data = retry_timer_.data = this;
    uv_signal_start(&sigint_, on_signal, SIGINT);
    uv_signal_start(&sigterm_, on_signal, SIGTERM);
    connect();
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
    return exit_status_;
}

void Subscription::connect() {
    status_ = 0;
    error_body_.clear();
    www_authenticate_.reset();
    parser_.restart();
    Request request;
    request.path = "/events";
    char sep = '?';
    for (const std::string& topic : options_.topics) {
        request.path += sep;
        request.path += "topic=" + percent_encode(topic);
        sep = '&';
    }
    request.headers = {{"Accept", "text/event-stream"}, {"Cache-Control", "no-cache"}};
    if (!parser_.last_event_id().empty())
        request.headers.emplace_back("Last-Event-ID", parser_.last_event_id());
    if (!options_.token.empty())
        request.headers.emplace_back("Authorization", "Bearer " + options_.token);

    HttpExchange::Handlers handlers;
    handlers.on_head = [this](const ResponseHead& head) { on_head(head); };
    handlers.on_body = [this](std::string_view bytes) { on_body(bytes); };
    handlers.on_done = [this](const std::string& error) { on_done(error); };
    exchange_ = HttpExchange::start(&loop_, url_, request, std::move(handlers), 0,
                                    uint64_t{options_.timeout_s} * 1000);
}

void Subscription::on_head(const ResponseHead& head) {
    status_ = head.status;
    if (status_ != 200) {
        if (const std::string* challenge = head.header("www-authenticate"))
            www_authenticate_ = *challenge;
        return;
    }
    const std::string* type = head.header("content-type");
    if (!type || type->find("text/event-stream") == std::string::npos) {
        report("subscribe: " + url_.text +
               " answered 200 but not with an event stream "
               "(Content-Type: " +
               (type ? *type : std::string("none")) + "); check --url");
        stop(1);
        return;
    }
    if (lost_) {
        std::string resume = parser_.last_event_id().empty()
                                 ? std::string()
                                 : ", resuming after id " + parser_.last_event_id();
        report("subscribe: reconnected to " + url_.text + resume);
        lost_ = false;
        last_notice_.clear();
    }
}

void Subscription::on_body(std::string_view bytes) {
    if (status_ != 200) {
        size_t room = max_error_body - std::min(max_error_body, error_body_.size());
        error_body_.append(bytes.substr(0, room));
        return;
    }
    std::vector<SseEvent> events;
    bool ok = parser_.feed(bytes, events);
    for (const SseEvent& event : events) {
        int output_status = 0;
        if (!printer_(event, output_status)) {
            stop(output_status);
            return;
        }
        if (event.type == "ssehub.expired") {
            report(expired_notice(event));
            stop(exit_token_expired);
            return;
        }
        if (options_.max_events != 0 && ++printed_ >= options_.max_events) {
            stop(0);
            return;
        }
    }
    if (!ok) {
        report("subscribe: " + url_.text + " sent a line or event larger than 64 MiB; giving up");
        stop(1);
    }
}

void Subscription::on_done(const std::string& error) {
    exchange_ = nullptr;
    if (stopping_) return;
    if (status_ == 200) {
        reconnect_later(error.empty() ? "the hub closed the stream" : error);
        return;
    }
    if (status_ == 0) {
        reconnect_later(error);
        return;
    }
    FetchResult answer;
    answer.head.status = status_;
    answer.body = error_body_;
    std::string reason = one_line_reason(answer);
    if (!worth_retrying(status_)) {
        const std::string* challenge = www_authenticate_ ? &*www_authenticate_ : nullptr;
        std::string_view body = answer.body;
        std::string body_line(body.substr(0, std::min<size_t>(300, body.find_first_of("\r\n"))));
        std::string refusal =
            describe_token_refusal(status_, challenge, body_line, !options_.token.empty());
        report("subscribe failed: " + (refusal.empty() ? reason : refusal));
        stop(refused_as_expired(challenge) ? exit_token_expired : 1);
        return;
    }
    reconnect_later(url_.text + " answered " + reason);
}

void Subscription::reconnect_later(const std::string& why) {
    uint64_t delay = parser_.retry_ms().value_or(default_retry_ms);
    if (delay < min_retry_ms) delay = min_retry_ms;
    if (why != last_notice_) {
        std::string resume = parser_.last_event_id().empty()
                                 ? std::string()
                                 : " (will resume after id " + parser_.last_event_id() + ")";
        report("subscribe: " + why + "; reconnecting in " + delay_text(delay) + resume);
        last_notice_ = why;
    }
    lost_ = true;
    uv_timer_start(&retry_timer_, on_retry_timer, delay, 0);
}

void Subscription::stop(int status) {
    if (stopping_) return;
    stopping_ = true;
    exit_status_ = status;
    if (exchange_) {
        exchange_->cancel();
        exchange_ = nullptr;
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&sigint_), on_close);
    uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), on_close);
    uv_close(reinterpret_cast<uv_handle_t*>(&retry_timer_), on_close);
}

void Subscription::on_signal(uv_signal_t* handle, int) noexcept {
    static_cast<Subscription*>(handle->data)->stop(0);
}

void Subscription::on_retry_timer(uv_timer_t* timer) noexcept {
    auto* s = static_cast<Subscription*>(timer->data);
    if (s->stopping_) return;
    try {
        s->connect();
    } catch (const std::exception& e) {
        report(std::string("subscribe: ") + e.what());
        s->stop(1);
    }
}

void Subscription::on_close(uv_handle_t* handle) noexcept {
    --static_cast<Subscription*>(handle->data)->open_handles_;
}

} // namespace ssehub::cli
