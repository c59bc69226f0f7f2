// One benchmark run from start to report: opens the subscribers (here or in worker
// processes, spread over one or more hub URLs, the nodes), waits until every stream is open,
// publishes in the chosen mode, waits for the deliveries, collects every pool's tally and prints
// the result. Phases in order:
//   Connecting -> Settling -> Publishing -> Finishing -> Done
// Any failure jumps to Finishing, so subscribers are always closed and a report printed.
#pragma once

#include "options.hpp"
#include "pool_link.hpp"
#include "pool_stats.hpp"
#include "process_probe.hpp"
#include "publisher.hpp"

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <uv.h>
#include <vector>

namespace bench {

class Run {
  public:
    explicit Run(const Options& options) : o_(options) {}
    // Returns the exit status: 0 for a clean run, 1 for a failure or any lost, duplicated or
    // reordered delivery.
    int execute();

  private:
    enum class Phase { Connecting, Settling, Publishing, Finishing, Done };

    void start_links();
    void on_link_open();
    void on_settled();
    void on_publisher_ready();
    void on_event_complete(uint32_t seq);
    void on_answered(uint32_t seq, bool ok);
    void publish_next_waiting();
    void on_pace_tick();
    void on_deadline();
    void arm_deadline(double seconds);
    void check_end();
    void finish(const std::string& why);
    void on_stats(uint32_t node, const PoolStats& stats);
    void print_progress();
    nlohmann::json result() const;
    nlohmann::json node_result(uint32_t node) const;

    const Options& o_;
    uv_loop_t loop_;
    uv_timer_t progress_timer_;
    uv_timer_t phase_timer_; // settle delay, then open-loop pacing
    uv_timer_t deadline_timer_;
    std::vector<std::unique_ptr<PoolLink>> links_;
    std::unique_ptr<Publisher> publisher_;
    std::vector<pid_t> workers_;
    Phase phase_ = Phase::Connecting;
    uint32_t source_addresses_ = 1;
    uint32_t links_open_ = 0;
    uint32_t links_reported_ = 0;
    uint32_t planned_ = 0;
    uint32_t published_ = 0;
    uint32_t complete_events_ = 0;
    std::vector<uint16_t> link_completions_; // per event: links that have it everywhere
    std::vector<uint8_t> answered_;          // per event: the publish got its answer
    uint64_t connect_start_ns_ = 0;
    uint64_t all_open_ns_ = 0;
    uint64_t publish_start_ns_ = 0;
    uint64_t end_ns_ = 0;
    ProcessSample server_idle_, server_open_, server_start_, server_end_;
    PoolStats total_;
    std::string failure_;       // why the run could not go on
    std::string stopped_early_; // why publishing stopped before the plan
    // Per URL (node): the tally of its links, and its subscribers as planned.
    std::vector<PoolStats> node_stats_;
    std::vector<uint32_t> node_subscribers_;
};

} // namespace bench
