// The byte pipe under a protocol (HTTP/1.1 or HTTP/2): plain TCP or Unix socket (WriteQueue) or
// TLS (tls::Channel). A transport moves bytes out and tells its owner when output drained; it
// never parses and never closes the handle it writes to (the connection owns that).
#pragma once

#include "net/frame.hpp"

#include <cstddef>

namespace ssehub::net {

class Transport {
  public:
    // status 0: everything queued so far reached the kernel; < 0: the stream failed.
    using OnDone = void (*)(void* owner, int status);

    virtual ~Transport() = default;

    // Sends one whole shared frame at once or queues the rest. Returns 0, or a libuv error once
    // the stream is broken (nothing more will be written).
    virtual int push(const net::FrameRef& frame) = 0;
    // Adds bytes (copied) that go out with the next flush(): protocol framing such as HTTP/2
    // frames, gathered so one pass over many streams costs one write.
    virtual void gather(const char* data, size_t len) = 0;
    // Writes what gather() collected: try at once, queue the rest. 0 or a libuv error.
    virtual int flush() = 0;
    // Output not yet taken by the kernel, gathered bytes included.
    virtual size_t queued_bytes() const = 0;
    virtual bool failed() const = 0;
    bool empty() const { return queued_bytes() == 0; }
};

} // namespace ssehub::net
