// Layer net/: bytes to sockets. The shared frame, the write queue, the io_uring send batch,
// the flush list and the listeners. Knows no SSE and no HTTP: includes only metrics/ and base/.
// This is where an event's bytes are written.
//
// A Frame is an immutable, reference-counted block of bytes: one encoded SSE event, or one
// whole HTTP response. The replay ring and every subscriber's write queue hold references to
// the same Frame; nobody ever copies its bytes. Single-threaded by design: the count is a
// plain integer and must never be touched off the loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace ssehub::net {

class FrameRef;

class Frame {
  public:
    // Allocates one block holding the header and a copy of `bytes`.
    static FrameRef copy_of(std::string_view bytes);
    // Allocates one block of `size` bytes for the caller to fill before sharing it.
    static FrameRef allocate(size_t size, char** out);

    const char* data() const { return reinterpret_cast<const char*>(this + 1); }
    size_t size() const { return size_; }
    std::string_view view() const { return {data(), size_}; }

  private:
    friend class FrameRef;
    explicit Frame(size_t size) : size_(size) {}
    uint32_t refs_ = 0;
    size_t size_;
};

class FrameRef {
  public:
    FrameRef() = default;
    explicit FrameRef(Frame* frame) : frame_(frame) {
        if (frame_) ++frame_->refs_;
    }
    FrameRef(const FrameRef& other) : FrameRef(other.frame_) {}
    FrameRef(FrameRef&& other) noexcept : frame_(std::exchange(other.frame_, nullptr)) {}
    FrameRef& operator=(FrameRef other) noexcept {
        std::swap(frame_, other.frame_);
        return *this;
    }
    ~FrameRef() { release(); }

    const Frame* get() const { return frame_; }
    const Frame* operator->() const { return frame_; }
    explicit operator bool() const { return frame_ != nullptr; }
    uint32_t use_count() const { return frame_ ? frame_->refs_ : 0; }

  private:
    void release();
    Frame* frame_ = nullptr;
};

} // namespace ssehub::net
