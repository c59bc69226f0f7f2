// What SendBatch tells about the send it made for a stream's output (a plain WriteQueue, or a
// TLS channel's ciphertext): the kernel's answer, and later, once the pass is over and a
// connection may close, that the stream failed.
#pragma once

namespace ssehub::net {

class BatchedSender {
  public:
    // The kernel's answer to the one send queued for this sender: bytes taken, or -errno.
    // Returns true when the sender has failed; report_failure() then follows after the pass.
    virtual bool on_batch_sent(int result) = 0;
    virtual void report_failure() = 0;

  protected:
    BatchedSender() = default;
    ~BatchedSender() = default;
};

} // namespace ssehub::net
