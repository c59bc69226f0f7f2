// What a stream asked for and what it may read, decided by the application (its topics
// validated, its tokens verified) before the hub starts it.
#pragma once

#include "auth/topic_pattern.hpp"
#include "metrics/metrics.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ssehub::sse {

// The private topics a stream's tokens let it read, and which keys vouched for that: a reload
// that drops one of those keys ends the stream (Hub::recheck_rights).
struct ReadRights {
    auth::TopicRights topics;
    std::vector<std::string> signing_keys; // auth::Key::fingerprint of each token's key

    bool allows(std::string_view topic) const { return topics.allows(topic); }

    // The hub shares one ReadRights between the streams whose tokens grant the same (Hub::add
    // interns them), and fan-out remembers the answer for the event it is delivering: ten
    // thousand readers with the same rights cost one pattern match per event, not 10 000.
    mutable uint64_t memo_event = 0; // Hub's fan-out pass the answer is for; 0: none
    mutable bool memo_allows = false;
};

struct Subscription {
    std::vector<std::string> topics;   // empty: every event it may read
    std::optional<std::string> resume; // the raw Last-Event-ID
    // The private topics its tokens let it read (HubLimits::private_topics); null: none, so it
    // gets public events only. Shared, read-only: the hub keeps it for the stream's life.
    std::shared_ptr<const ReadRights> read_rights;
    // Loop time (ms) at which the first of its tokens expires: the stream then ends with
    // ssehub.expired. Nullopt: never.
    std::optional<uint64_t> expires_at_ms;
    // For the counters only (ssehub_subscribers_by_transport, ssehub_shared_streams): what
    // carries it, set by the transport, and whether /ssehub.js opened it, set by the router.
    metrics::Transport transport = metrics::Transport::Http1;
    bool shared = false;
    // A stream taken over from the previous process (a hand-over): its head and opening frame
    // were sent there, and `resume` is the last event that process dealt with for it. It gets
    // no opening frame, and no gap when the ring does not reach back to `resume`: every event
    // up to there was delivered (or did not match), and every event after it is in this ring.
    bool adopted = false;
};

} // namespace ssehub::sse
