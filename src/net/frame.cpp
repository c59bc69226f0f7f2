#include "net/frame.hpp"

#include <cstring>
#include <new>

namespace ssehub::net {

FrameRef Frame::allocate(size_t size, char** out) {
    void* block = ::operator new(sizeof(Frame) + size);
    Frame* frame = new (block) Frame(size);
    *out = reinterpret_cast<char*>(frame + 1);
    return FrameRef(frame);
}

FrameRef Frame::copy_of(std::string_view bytes) {
    char* out = nullptr;
    FrameRef ref = allocate(bytes.size(), &out);
    if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
    return ref;
}

void FrameRef::release() {
    if (frame_ && --frame_->refs_ == 0) {
        frame_->~Frame();
        ::operator delete(frame_);
    }
    frame_ = nullptr;
}

} // namespace ssehub::net
