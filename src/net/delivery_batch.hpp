// Brackets one fan-out pass so the transport can hand the kernel the pass's writes together
// (net::SendBatch: one io_uring submission per few hundred subscribers instead of a send()
// each). Between begin() and end() a subscriber's send() may leave its bytes to the batch;
// end() returns once the kernel has answered every one of them. Nothing may close a
// connection inside a pass (an entry could outlive its socket): the hub drops subscribers only
// after end(). So passes do not nest around a publish; the depth count only keeps a stray
// inner pair harmless.
#pragma once

namespace ssehub::net {

class DeliveryBatch {
  public:
    virtual void begin() = 0;
    virtual void end() = 0;

  protected:
    ~DeliveryBatch() = default;
};

// begin() now, end() at scope exit; a null batch does nothing.
class DeliveryBatchScope {
  public:
    explicit DeliveryBatchScope(DeliveryBatch* b) : b_(b) {
        if (b_) b_->begin();
    }
    ~DeliveryBatchScope() {
        if (b_) b_->end();
    }
    DeliveryBatchScope(const DeliveryBatchScope&) = delete;
    DeliveryBatchScope& operator=(const DeliveryBatchScope&) = delete;

  private:
    DeliveryBatch* b_;
};

} // namespace ssehub::net
