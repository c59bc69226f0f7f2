// The coordinator's view of one set of subscribers: a SubscriberPool on its own loop
// (local), or one running in a worker process and reached over a Channel (remote). Worker
// processes let one run hold more subscribers than one process has descriptors.
#pragma once

#include "pool_stats.hpp"
#include "subscriber_pool.hpp"

#include <functional>
#include <memory>
#include <string>
#include <sys/types.h>
#include <uv.h>

namespace bench {

class PoolLink {
  public:
    struct Events {
        std::function<void()> open;                          // all its streams are open
        std::function<void(uint32_t seq)> complete;          // all its subscribers have seq
        std::function<void(const std::string& why)> failure; // the run cannot go on
        std::function<void(PoolStats)> stats;                // answer to finish()
    };

    virtual ~PoolLink() = default;
    virtual void start() = 0;
    // Closes every subscriber, then reports stats (counting events below `published`).
    virtual void finish(uint32_t published) = 0;
    virtual uint32_t opened() const = 0;
    virtual uint64_t delivered() const = 0;
};

std::unique_ptr<PoolLink> make_local_link(uv_loop_t* loop, PoolConfig config,
                                          PoolLink::Events events);
// `fd`: the coordinator's end of the socketpair shared with the worker `pid`.
std::unique_ptr<PoolLink> make_remote_link(uv_loop_t* loop, int fd, PoolLink::Events events);
// The worker process's side: runs `config`'s subscribers as the coordinator says; returns the
// process's exit status.
int run_worker(int fd, const PoolConfig& config);

} // namespace bench
