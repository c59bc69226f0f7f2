#include "run.hpp"

#include "payload.hpp"
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bench {

namespace {

// Raises the soft descriptor limit to the hard one; returns the limit now in force.
rlim_t raise_descriptor_limit() {
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
        getrlimit(RLIMIT_NOFILE, &lim);
    }
    return lim.rlim_cur;
}

// Closes what a stopped loop still holds (after a finish timeout) and releases the loop.
void close_loop(uv_loop_t* loop) {
    uv_walk(
        loop,
        [](uv_handle_t* h, void*) {
            if (!uv_is_closing(h)) uv_close(h, nullptr);
        },
        nullptr);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
}

constexpr rlim_t reserved_descriptors = 256; // publishers, channels, stdio, libuv
constexpr double finish_timeout_s = 30;

template <class F> void start_timer(uv_timer_t* t, uint64_t ms, uint64_t repeat, F) {
    uv_timer_start(
        t, [](uv_timer_t* h) { F{}(static_cast<Run*>(h->data)); }, ms, repeat);
}

// A share of one node's subscribers: node-local indices first..first+count-1, which are the
// global indices first*nodes+node, (first+1)*nodes+node, ...
struct Segment {
    uint32_t node;
    uint32_t first;
    uint32_t count;
};

// Subscriber i goes to node i % nodes; each node's share is cut into processes/nodes segments
// (one per node when processes is 1). Empty segments are left out.
std::vector<Segment> plan_segments(uint32_t n, uint32_t nodes, uint32_t processes) {
    std::vector<Segment> out;
    uint32_t per_node = processes > 1 ? std::max<uint32_t>(1, processes / nodes) : 1;
    for (uint32_t k = 0; k < nodes; ++k) {
        uint32_t count = (n - k + nodes - 1) / nodes;
        for (uint32_t w = 0; w < per_node; ++w) {
            uint32_t first = static_cast<uint32_t>(uint64_t{count} * w / per_node);
            uint32_t last = static_cast<uint32_t>(uint64_t{count} * (w + 1) / per_node);
            if (last > first) out.push_back({k, first, last - first});
        }
    }
    return out;
}

} // namespace

int Run::execute() {
    rlim_t fds = raise_descriptor_limit();
    uint64_t per_process = fds > reserved_descriptors * 2 ? fds - reserved_descriptors : fds / 2;
    uint32_t n = o_.subscribers;
    auto nodes = static_cast<uint32_t>(o_.sub_urls.size());
    uint32_t workers =
        o_.workers ? o_.workers : static_cast<uint32_t>((n + per_process - 1) / per_process);
    // A worker serves one node, so with several nodes each gets the same number of workers.
    if (workers > 1 && nodes > 1) workers = (workers + nodes - 1) / nodes * nodes;
    std::vector<Segment> segments = plan_segments(n, nodes, workers);
    uint32_t largest = 0;
    for (const Segment& seg : segments)
        largest = std::max(largest, seg.count);
    if (largest + 1 > per_process) {
        std::fprintf(stderr,
                     "ssehub-bench: %u subscribers in %u processes exceed the descriptor limit "
                     "(%llu); raise --workers\n",
                     n, workers, static_cast<unsigned long long>(fds));
        return 1;
    }
    bool forked = workers > 1;
    source_addresses_ =
        o_.source_addresses ? o_.source_addresses : std::clamp<uint32_t>((n + 4999) / 5000, 1, 254);
    planned_ = o_.planned_events();
    link_completions_.assign(planned_, 0);
    answered_.assign(planned_, 0);
    node_stats_.assign(nodes, PoolStats{});
    node_subscribers_.assign(nodes, 0);
    for (const Segment& seg : segments)
        node_subscribers_[seg.node] += seg.count;

    auto pool_config = [&](const Segment& seg) {
        auto links = static_cast<uint32_t>(segments.size());
        return PoolConfig{o_.sub_urls[seg.node],
                          seg.first * nodes + seg.node,
                          seg.count,
                          source_addresses_,
                          std::max<uint32_t>(1, o_.connect_concurrency / links),
                          planned_,
                          o_.publishers,
                          nodes,
                          o_.tokens};
    };

    // Worker processes are forked before this process creates its loop, so no child inherits
    // libuv state. Each serves one segment.
    std::vector<int> channel_fds;
    if (forked) {
        std::fflush(nullptr);
        for (const Segment& seg : segments) {
            int sv[2];
            if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
                std::perror("ssehub-bench: socketpair");
                return 1;
            }
            pid_t pid = fork();
            if (pid < 0) {
                std::perror("ssehub-bench: fork");
                return 1;
            }
            if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                for (int fd : channel_fds)
                    ::close(fd);
                ::close(sv[0]);
                std::_Exit(run_worker(sv[1], pool_config(seg)));
            }
            ::close(sv[1]);
            channel_fds.push_back(sv[0]);
            workers_.push_back(pid);
        }
    }

    uv_loop_init(&loop_);
    for (uv_timer_t* t : {&progress_timer_, &phase_timer_, &deadline_timer_}) {
        uv_timer_init(&loop_, t);
        t->data = this;
    }
    for (size_t i = 0; i < segments.size(); ++i) {
        uint32_t node = segments[i].node;
        PoolLink::Events events{[this] { on_link_open(); },
                                [this](uint32_t seq) { on_event_complete(seq); },
                                [this](const std::string& why) { finish(why); },
                                [this, node](const PoolStats& s) { on_stats(node, s); }};
        links_.push_back(
            forked ? make_remote_link(&loop_, channel_fds[i], std::move(events))
                   : make_local_link(&loop_, pool_config(segments[i]), std::move(events)));
    }

    PublisherConfig pc{o_.pub_url, o_.body_template, o_.content_type, o_.publishers,
                       o_.event_bytes};
    publisher_ = std::make_unique<Publisher>(
        &loop_, pc,
        Publisher::Events{[this] { on_publisher_ready(); }, [this] { publish_next_waiting(); },
                          [this](uint32_t seq, bool ok) { on_answered(seq, ok); },
                          [this](const std::string& why) { finish(why); }});

    start_links();
    uv_run(&loop_, UV_RUN_DEFAULT);
    close_loop(&loop_);

    for (pid_t pid : workers_)
        waitpid(pid, nullptr, 0);
    nlohmann::json r = result();
    if (o_.json)
        std::printf("%s\n", r.dump(2).c_str());
    else
        std::fputs(render_table(r).c_str(), stdout);
    return r["ok"].get<bool>() ? 0 : 1;
}

void Run::start_links() {
    if (o_.server_pid) server_idle_ = sample_process(o_.server_pid);
    connect_start_ns_ = now_ns();
    if (!o_.quiet) start_timer(&progress_timer_, 1000, 1000, [](Run* r) { r->print_progress(); });
    arm_deadline(o_.connect_timeout_s);
    for (auto& link : links_)
        link->start();
}

void Run::on_link_open() {
    if (++links_open_ < links_.size() || phase_ != Phase::Connecting) return;
    all_open_ns_ = now_ns();
    phase_ = Phase::Settling;
    uv_timer_stop(&deadline_timer_);
    start_timer(&phase_timer_, o_.settle_ms, 0, [](Run* r) { r->on_settled(); });
}

void Run::on_settled() {
    if (phase_ != Phase::Settling) return;
    if (o_.server_pid) server_open_ = sample_process(o_.server_pid);
    // Publishers connect only now: some servers close idle keep-alive connections after a few
    // seconds, and opening thousands of streams can take longer than that.
    arm_deadline(o_.connect_timeout_s);
    publisher_->connect();
}

void Run::on_publisher_ready() {
    if (phase_ != Phase::Settling) return;
    phase_ = Phase::Publishing;
    uv_timer_stop(&deadline_timer_);
    if (o_.server_pid) server_start_ = sample_process(o_.server_pid);
    publish_start_ns_ = now_ns();
    if (o_.mode == Mode::WaitForAll)
        publish_next_waiting();
    else
        start_timer(&phase_timer_, 0, 1, [](Run* r) { r->on_pace_tick(); });
}

// Wait-for-all: the next event goes out once every subscriber has the previous one and its
// publish was answered, so each event's latency is the fan-out alone, with no queueing.
void Run::publish_next_waiting() {
    if (phase_ != Phase::Publishing || o_.mode != Mode::WaitForAll) return;
    if (published_ == planned_) return;
    if (published_ > 0) {
        uint32_t prev = published_ - 1;
        if (link_completions_[prev] < links_.size() || !answered_[prev]) return;
    }
    if (!publisher_->publish(published_, now_ns())) return; // reconnecting: retried on reconnect
    ++published_;
    arm_deadline(o_.event_timeout_s);
}

// Open loop: event k is due at start + k/rate whether or not earlier ones have arrived. Its
// stamp is the time it was due, so a publisher falling behind shows up as latency.
void Run::on_pace_tick() {
    if (phase_ != Phase::Publishing) return;
    uint64_t elapsed = now_ns() - publish_start_ns_;
    auto due = static_cast<uint32_t>(
        std::min<double>(planned_, std::floor(static_cast<double>(elapsed) * o_.rate / 1e9) + 1));
    while (published_ < due) {
        uint64_t stamp = publish_start_ns_ + static_cast<uint64_t>(published_ * 1e9 / o_.rate);
        if (!publisher_->publish(published_, stamp)) break; // its connection is still busy
        ++published_;
    }
    if (published_ == planned_) {
        uv_timer_stop(&phase_timer_);
        arm_deadline(o_.drain_timeout_s);
    }
}

void Run::on_event_complete(uint32_t seq) {
    if (seq >= planned_ || ++link_completions_[seq] < links_.size()) return;
    ++complete_events_;
    if (o_.mode == Mode::WaitForAll) publish_next_waiting();
    check_end();
}

void Run::on_answered(uint32_t seq, bool ok) {
    if (seq < planned_) answered_[seq] = 1;
    if (!ok && o_.mode == Mode::WaitForAll) {
        finish("the server refused a publish (" + publisher_->first_error() + ")");
        return;
    }
    if (o_.mode == Mode::WaitForAll) publish_next_waiting();
    check_end();
}

void Run::check_end() {
    if (phase_ != Phase::Publishing || published_ < planned_) return;
    if (complete_events_ < planned_ || publisher_->in_flight() > 0) return;
    finish({});
}

void Run::arm_deadline(double seconds) {
    start_timer(&deadline_timer_, static_cast<uint64_t>(seconds * 1000), 0,
                [](Run* r) { r->on_deadline(); });
}

void Run::on_deadline() {
    char why[256];
    switch (phase_) {
    case Phase::Connecting: {
        uint32_t open = 0;
        for (auto& l : links_)
            open += l->opened();
        std::snprintf(why, sizeof why, "only %u of %u streams open after %g s", open,
                      o_.subscribers, o_.connect_timeout_s);
        finish(why);
        break;
    }
    case Phase::Settling:
        finish("the publisher could not connect within the connect timeout");
        break;
    case Phase::Publishing:
        if (o_.mode == Mode::WaitForAll)
            std::snprintf(why, sizeof why, "event %u did not reach every subscriber within %g s",
                          published_ - 1, o_.event_timeout_s);
        else
            std::snprintf(why, sizeof why,
                          "%u of %u events reached every subscriber within %g s "
                          "of the last publish",
                          complete_events_, published_, o_.drain_timeout_s);
        stopped_early_ = why;
        finish({});
        break;
    case Phase::Finishing:
        std::fprintf(stderr, "ssehub-bench: subscribers did not report within %g s\n",
                     finish_timeout_s);
        uv_stop(&loop_);
        break;
    case Phase::Done:
        break;
    }
}

void Run::finish(const std::string& why) {
    if (!why.empty() && failure_.empty()) failure_ = why;
    if (phase_ == Phase::Finishing || phase_ == Phase::Done) return;
    bool was_publishing = phase_ == Phase::Publishing;
    phase_ = Phase::Finishing;
    end_ns_ = now_ns();
    if (o_.server_pid && was_publishing) server_end_ = sample_process(o_.server_pid);
    if (!why.empty()) std::fprintf(stderr, "ssehub-bench: %s\n", why.c_str());
    uv_timer_stop(&phase_timer_);
    uv_timer_stop(&progress_timer_);
    arm_deadline(finish_timeout_s);
    publisher_->close_all([] {});
    for (auto& link : links_)
        link->finish(published_);
}

void Run::on_stats(uint32_t node, const PoolStats& stats) {
    node_stats_[node].merge(stats);
    total_.merge(stats);
    if (++links_reported_ < links_.size()) return;
    phase_ = Phase::Done;
    for (uv_timer_t* t : {&progress_timer_, &phase_timer_, &deadline_timer_})
        uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
}

void Run::print_progress() {
    uint32_t open = 0;
    uint64_t delivered = 0;
    for (auto& l : links_) {
        open += l->opened();
        delivered += l->delivered();
    }
    if (phase_ == Phase::Connecting)
        std::fprintf(stderr, "ssehub-bench: %u/%u streams open\n", open, o_.subscribers);
    else if (phase_ == Phase::Publishing)
        std::fprintf(
            stderr, "ssehub-bench: %u/%u events published, %u everywhere, %llu deliveries\n",
            published_, planned_, complete_events_, static_cast<unsigned long long>(delivered));
}

} // namespace bench
