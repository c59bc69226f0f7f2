// Decides what a complete request is (subscription, publish, legacy signal, page, metrics...)
// and answers it through a Responder: an HTTP/1.1 connection or an HTTP/2 stream alike.
#pragma once

#include "http/context.hpp"
#include "http/request.hpp"
#include "http/responder.hpp"

namespace ssehub::http {

void route(Responder& c, const Request& req, Context& ctx);

} // namespace ssehub::http
