// Decides what a complete request is (subscription, publish, legacy signal, page, metrics...)
// and answers it through the connection.
#pragma once

#include "http/context.hpp"
#include "http/request.hpp"
#include "sse/event_sink.hpp"

namespace ssehub::http {

class Connection;

void route(Connection& c, const Request& req, Context& ctx);
// The answer to a publish (202 with the id, 200 for the legacy signal, or the refusal), sent
// when the sink has decided; the connection still holds the request it answers.
void answer_publish(Connection& c, const sse::PublishOutcome& outcome);

} // namespace ssehub::http
