#include "pool_link.hpp"

#include "channel.hpp"

#include <nlohmann/json.hpp>

namespace bench {

namespace {

class LocalLink final : public PoolLink {
  public:
    LocalLink(uv_loop_t* loop, PoolConfig config, Events events)
        : events_(std::move(events)),
          pool_(loop, std::move(config),
                SubscriberPool::Events{[this] { events_.open(); },
                                       [this](uint32_t seq) { events_.complete(seq); },
                                       [this](const std::string& why) { events_.failure(why); }}) {}
    void start() override { pool_.start(); }
    void finish(uint32_t published) override {
        pool_.close_all([this, published] { events_.stats(pool_.stats(published)); });
    }
    uint32_t opened() const override { return pool_.opened(); }
    uint64_t delivered() const override { return pool_.delivered(); }

  private:
    Events events_;
    SubscriberPool pool_;
};

class RemoteLink final : public PoolLink {
  public:
    RemoteLink(uv_loop_t* loop, int fd, Events events)
        : events_(std::move(events)),
          channel_(
              loop, fd, [this](const std::string& v, const std::string& t) { on_line(v, t); },
              [this] {
                  if (!done_) events_.failure("a worker process ended early");
              }) {}
    void start() override { channel_.send("start"); }
    void finish(uint32_t published) override { channel_.send("finish", std::to_string(published)); }
    uint32_t opened() const override { return opened_; }
    uint64_t delivered() const override { return delivered_; }

  private:
    void on_line(const std::string& verb, const std::string& text) {
        if (verb == "open") {
            events_.open();
        } else if (verb == "have") {
            events_.complete(static_cast<uint32_t>(std::stoul(text)));
        } else if (verb == "progress") {
            size_t space = text.find(' ');
            opened_ = static_cast<uint32_t>(std::stoul(text.substr(0, space)));
            delivered_ = std::stoull(text.substr(space + 1));
        } else if (verb == "fail") {
            events_.failure(text);
        } else if (verb == "stats") {
            done_ = true;
            channel_.close();
            events_.stats(PoolStats::from_json(nlohmann::json::parse(text)));
        }
    }

    Events events_;
    Channel channel_;
    uint32_t opened_ = 0;
    uint64_t delivered_ = 0;
    bool done_ = false;
};

} // namespace

std::unique_ptr<PoolLink> make_local_link(uv_loop_t* loop, PoolConfig config,
                                          PoolLink::Events events) {
    return std::make_unique<LocalLink>(loop, std::move(config), std::move(events));
}

std::unique_ptr<PoolLink> make_remote_link(uv_loop_t* loop, int fd, PoolLink::Events events) {
    return std::make_unique<RemoteLink>(loop, fd, std::move(events));
}

int run_worker(int fd, const PoolConfig& config) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    Channel* channel = nullptr;
    SubscriberPool pool(
        &loop, config,
        SubscriberPool::Events{[&] { channel->send("open"); },
                               [&](uint32_t seq) { channel->send("have", std::to_string(seq)); },
                               [&](const std::string& why) { channel->send("fail", why); }});
    uv_timer_t progress;
    uv_timer_init(&loop, &progress);
    progress.data = &pool;
    Channel ch(
        &loop, fd,
        [&](const std::string& verb, const std::string& text) {
            if (verb == "start") {
                pool.start();
            } else if (verb == "finish") {
                uint32_t published = static_cast<uint32_t>(std::stoul(text));
                pool.close_all([&, published] {
                    channel->send("stats", pool.stats(published).to_json().dump());
                    uv_close(reinterpret_cast<uv_handle_t*>(&progress), nullptr);
                    channel->close();
                });
            }
        },
        [&] { uv_stop(&loop); }); // the coordinator is gone: nothing left to do
    channel = &ch;
    uv_timer_start(
        &progress,
        [](uv_timer_t* t) {
            auto* c = static_cast<Channel*>(t->loop->data);
            auto* p = static_cast<SubscriberPool*>(t->data);
            c->send("progress", std::to_string(p->opened()) + " " + std::to_string(p->delivered()));
        },
        500, 500);
    loop.data = &ch;
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_walk( // what the coordinator's disappearance left open
        &loop,
        [](uv_handle_t* h, void*) {
            if (!uv_is_closing(h)) uv_close(h, nullptr);
        },
        nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return 0;
}

} // namespace bench
