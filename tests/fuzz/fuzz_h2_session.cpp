// The HTTP/2 server session as a connection sets it up (nghttp2, our SETTINGS, our callbacks,
// the streams, the router, the hub) fed raw bytes: the client preface, frames, HPACK blocks, in
// arbitrary splits. What the session writes goes to a transport that counts it. Invariants:
// no crash or sanitizer report, the bounds hold (streams still receiving, output per pass),
// and a session that said it is over stays over.
#include "app/application.hpp"
#include "base/log.hpp"
#include "h2/session.hpp"
#include "metrics/metrics.hpp"
#include "net/flush_list.hpp"
#include "sse/hub.hpp"
#include "sse/id_source.hpp"
#include "sse/local_sink.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <netinet/in.h>
#include <string>
#include <uv.h>

namespace {

using namespace ssehub;

// Output that goes nowhere: counted, and optionally held (a client that does not read), so
// the session's high-water path is taken too.
class CountingTransport final : public net::Transport {
  public:
    int push(const net::FrameRef& frame) override {
        take(frame->size());
        return 0;
    }
    void gather(const char*, size_t len) override { take(len); }
    int flush() override {
        if (!holding) held = 0;
        return 0;
    }
    size_t queued_bytes() const override { return held; }
    bool failed() const override { return false; }

    bool holding = false;
    size_t held = 0;
    size_t total = 0;

  private:
    void take(size_t n) {
        total += n;
        if (holding) held += n;
    }
};

class Host final : public h2::SessionHost {
  public:
    net::Transport& transport() override { return out; }
    bool peer_address(sockaddr_storage& addr) const override {
        std::memset(&addr, 0, sizeof addr);
        auto* in = reinterpret_cast<sockaddr_in*>(&addr);
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return true;
    }
    void on_streams_changed(size_t open, uint64_t) override { streams = open; }
    void on_session_over() override { over = true; }

    CountingTransport out;
    size_t streams = 0;
    bool over = false;
};

// One loop, hub and sink for every input, as one server has for every connection.
struct World {
    uv_loop_t loop{};
    metrics::Metrics metrics;
    std::unique_ptr<sse::Hub> hub;
    std::unique_ptr<sse::IdSource> ids;
    std::unique_ptr<sse::LocalSink> sink;
    net::FlushList flush_list;
    app::Settings settings;
    std::unique_ptr<app::Application> app;

    World() {
        uv_loop_init(&loop);
        char dir[] = "/tmp/fuzz_h2_session-XXXXXX";
        if (!mkdtemp(dir)) std::abort();
        log::set_level(log::Level::Error); // the hub's info lines for every input: noise
        if (auto all = base::Cidr::parse("0.0.0.0/0")) settings.publish_allow.push_back(*all);
        settings.max_header_bytes = 4096;
        settings.max_event_bytes = 4096;
        settings.max_subscribers = 64;
        hub = std::make_unique<sse::Hub>(sse::HubLimits{}, metrics);
        ids = std::make_unique<sse::IdSource>(dir, 1);
        sink = std::make_unique<sse::LocalSink>(*ids, *hub);
        flush_list.init(&loop);
        app = std::make_unique<app::Application>(&loop, settings, *hub, *sink, metrics);
    }
};

World& world() {
    static World w;
    return w;
}

constexpr char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    if (size < 1) return 0;
    World& w = world();
    // The first byte: the read size, whether the preface is ours (else the input's own) and
    // whether the client reads what it is sent.
    size_t step = (bytes[0] & 0x3f) * 61 + 1;
    bool own_preface = !(bytes[0] & 0x40);
    std::string input;
    if (own_preface) input.assign(preface, sizeof preface - 1);
    input.append(reinterpret_cast<const char*>(bytes) + 1, size - 1);

    Host host;
    host.out.holding = bytes[0] & 0x80;
    {
        std::unique_ptr<h2::Session> session = h2::start_session(*w.app, w.flush_list, host);
        if (!session || !session->start()) std::abort();
        bool over = false;
        for (size_t offset = 0; offset < input.size() && !over; offset += step) {
            size_t len = std::min(step, input.size() - offset);
            over = !session->feed(input.data() + offset, len);
            uv_run(&w.loop, UV_RUN_NOWAIT); // the flush list: answers are written
            if (over && session->feed(input.data(), 0)) std::abort(); // over stays over
            if (host.streams > w.settings.max_subscribers + 16 + 1) std::abort();
            session->expire_requests(uv_now(&w.loop) + 60000); // every deadline passed
        }
        session->shutdown();
        uv_run(&w.loop, UV_RUN_NOWAIT);
        session->abandon();
    }
    uv_run(&w.loop, UV_RUN_NOWAIT);
    return 0;
}
