// Decides what a complete request is (subscription, publish, legacy signal, page, metrics...)
// and answers it through a Responder: an HTTP/1.1 connection or an HTTP/2 stream alike.
#pragma once

#include "http/context.hpp"
#include "http/request.hpp"
#include "http/responder.hpp"
#include "sse/event_sink.hpp"

namespace ssehub::http {

void route(Responder& c, const Request& req, Context& ctx);
// The answer to a publish (202 with the id, 200 for the legacy signal, or the refusal), sent
// when the sink has decided; the responder still holds the request it answers.
void answer_publish(Responder& c, const sse::PublishOutcome& outcome);

} // namespace ssehub::http
