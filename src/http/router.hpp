// Decides what a complete request is (subscription, publish, legacy signal, page, metrics...)
// and answers it through the connection.
#pragma once

#include "http/context.hpp"
#include "http/request.hpp"

namespace ssehub::http {

class Connection;

void route(Connection& c, const Request& req, Context& ctx);

} // namespace ssehub::http
