// What SendBatch tells about the send it made for a stream's output (a plain WriteQueue, or a
// TLS channel's ciphertext): the kernel's answer, and later, once the pass is over and a
// connection may close, what its owner must hear (that the stream failed, or that a large
// output it waits on drained).
#pragma once

namespace ssehub::net {

class BatchedSender {
  public:
    // The kernel's answer to the one send queued for this sender: bytes taken, or -errno.
    // Returns true when the sender has failed; report() then follows after the pass.
    virtual bool on_batch_sent(int result) = 0;
    virtual void report() = 0;

  protected:
    BatchedSender() = default;
    ~BatchedSender() = default;
};

} // namespace ssehub::net
