#include "app/bridge_page.hpp"

#include "app/responder.hpp"
#include "web/assets.hpp"

#include <algorithm>
#include <cctype>

namespace ssehub::app {
namespace {

constexpr size_t kMaxOriginBytes = 255; // a DNS name, a scheme and a port fit

bool host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
}

bool valid_host(std::string_view host) {
    if (host.empty()) return false;
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']') return false;
        std::string_view inner = host.substr(1, host.size() - 2);
        return std::all_of(inner.begin(), inner.end(), [](char c) {
            return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        });
    }
    return std::all_of(host.begin(), host.end(), host_char);
}

bool valid_port(std::string_view port) {
    return !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
    }) && std::stoul(std::string(port)) <= 65535;
}

// For an attribute value between double quotes.
std::string attribute_text(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

void fill(std::string& page, std::string_view name, std::string_view value) {
    std::string empty(name);
    empty += "=\"\"";
    size_t at = page.find(empty);
    if (at == std::string::npos) return; // bridge.html lost an attribute: the script refuses
    std::string filled(name);
    filled += "=\"";
    filled += attribute_text(value);
    filled += '"';
    page.replace(at, empty.size(), filled);
}

} // namespace

bool is_serialized_origin(std::string_view text) {
    if (text.size() > kMaxOriginBytes) return false;
    std::string_view rest;
    if (text.substr(0, 7) == "http://")
        rest = text.substr(7);
    else if (text.substr(0, 8) == "https://")
        rest = text.substr(8);
    else
        return false;
    size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos && rest.find(']', colon) == std::string_view::npos)
        return valid_host(rest.substr(0, colon)) && valid_port(rest.substr(colon + 1));
    return valid_host(rest);
}

std::string render_bridge_page(std::string_view origin, bool allowed, bool credentials) {
    std::string page(web::bridge_html());
    fill(page, "data-origin", origin);
    fill(page, "data-allowed", allowed ? "1" : "0");
    fill(page, "data-credentials", credentials ? "1" : "0");
    std::string reason;
    if (!allowed) {
        reason = "ssehub: this page's origin ";
        reason += origin;
        reason += " may not subscribe through the hub (it is not in the hub's --cors-origin list)";
    }
    fill(page, "data-reason", reason);
    return page;
}

void handle_bridge_page(Responder& c, const Request& req, Application& app, const Params& params) {
    if (req.method != "GET" && req.method != "HEAD") {
        c.reject(405, metrics::Rejected::MethodNotAllowed, "method not allowed",
                 "Allow: GET, HEAD\r\n");
        return;
    }
    const std::string* origin = find_param(params, "origin");
    if (!origin || !is_serialized_origin(*origin)) {
        c.reject(400, metrics::Rejected::BadRequest,
                 "ssehub-bridge.html needs ?origin= with the embedding page's origin "
                 "(scheme://host[:port])");
        return;
    }
    const Settings& s = app.settings();
    bool allowed = s.cors_origins.allows(*origin);
    // Only the page of that origin may frame the bridge; the bridge itself loads only the
    // hub's script and talks only to the hub.
    std::string headers = "Cache-Control: no-store\r\n"
                          "Referrer-Policy: no-referrer\r\n"
                          "X-Content-Type-Options: nosniff\r\n"
                          "Content-Security-Policy: default-src 'none'; script-src 'self'; "
                          "connect-src 'self'; worker-src 'self'; frame-ancestors ";
    headers += *origin;
    headers += "\r\n";
    c.respond(
        200, "text/html; charset=utf-8",
        render_bridge_page(*origin, allowed, allowed && s.cors_origins.credentials_for(*origin)),
        headers, Cors::Omit);
}

} // namespace ssehub::app
