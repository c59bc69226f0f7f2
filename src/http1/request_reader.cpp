#include "http1/request_reader.hpp"

#include <algorithm>
#include <cctype>

namespace ssehub::http1 {

namespace {

RequestReader* self(llhttp_t* p) {
    return static_cast<RequestReader*>(p->data);
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

} // namespace

// The callbacks are the same for every reader: one table, not 184 bytes in each (a reader
// lives while its connection reads requests; hundreds connecting at once hold one each).
const llhttp_settings_t& RequestReader::settings() {
    static const llhttp_settings_t table = [] {
        llhttp_settings_t s;
        llhttp_settings_init(&s);
        s.on_message_begin = on_message_begin;
        s.on_method = on_method;
        s.on_url = on_url;
        s.on_header_field = on_header_field;
        s.on_header_value = on_header_value;
        s.on_header_value_complete = on_header_value_complete;
        s.on_headers_complete = on_headers_complete;
        s.on_body = on_body;
        s.on_message_complete = on_message_complete;
        return s;
    }();
    return table;
}

RequestReader::RequestReader(const ReadLimits& limits) : limits_(limits) {
    llhttp_init(&parser_, HTTP_REQUEST, &settings());
    parser_.data = this;
}

int RequestReader::fail(int status, metrics::Rejected kind, std::string reason) {
    error_status_ = status;
    error_kind_ = kind;
    error_reason_ = std::move(reason);
    return HPE_USER;
}

bool RequestReader::count_header_bytes(size_t n) {
    header_bytes_ += n;
    return header_bytes_ <= limits_.max_header_bytes;
}

// One pass over the head's bytes, in step with llhttp but before it: llhttp 8.1 lets a CR that
// no LF follows through, and RFC 9112 (2.2, 5.2) says to reject it and any folded line (a
// field line, or the first line after the request line, that starts with SP or HTAB).
bool RequestReader::scan_head(const char* data, size_t len) {
    auto refuse = [this](const char* why) {
        fail(400, metrics::Rejected::BadRequest, std::string("malformed request: ") + why);
        return false;
    };
    constexpr const char* bare_cr = "a CR not followed by LF in the head";
    for (size_t i = 0; i < len && scan_ != HeadScan::Done; ++i) {
        char c = data[i];
        switch (scan_) {
        case HeadScan::InLine: // the common case: a run of line bytes, kept tight
            while (c != '\r' && c != '\n') {
                if (++i == len) return true;
                c = data[i];
            }
            scan_ = c == '\r' ? HeadScan::AfterCr : HeadScan::LineStart;
            break;
        case HeadScan::BeforeRequestLine:
            scan_ = c == '\r' ? HeadScan::LeadingCr : c == '\n' ? scan_ : HeadScan::InLine;
            break;
        case HeadScan::LeadingCr:
            if (c != '\n') return refuse(bare_cr);
            scan_ = HeadScan::BeforeRequestLine;
            break;
        case HeadScan::AfterCr:
            if (c != '\n') return refuse(bare_cr);
            scan_ = HeadScan::LineStart;
            break;
        case HeadScan::LineStart:
            if (c == ' ' || c == '\t')
                return refuse("a header line starts with whitespace (obs-fold)");
            scan_ = c == '\r' ? HeadScan::EndCr : c == '\n' ? HeadScan::Done : HeadScan::InLine;
            break;
        case HeadScan::EndCr:
            if (c != '\n') return refuse(bare_cr);
            scan_ = HeadScan::Done;
            break;
        case HeadScan::Done:
            break;
        }
    }
    return true;
}

RequestReader::Result RequestReader::feed(const char* data, size_t len, size_t& consumed) {
    if (len > 0) started_ = true;
    if (!scan_head(data, len)) {
        consumed = len;
        return Result::Error;
    }
    llhttp_errno_t err = llhttp_execute(&parser_, data, len);
    if (err == HPE_OK) {
        consumed = len;
        return Result::NeedMore;
    }
    if (err == HPE_PAUSED) {
        consumed = static_cast<size_t>(llhttp_get_error_pos(&parser_) - data);
        return Result::Complete;
    }
    if (err == HPE_PAUSED_UPGRADE) { // after an upgrade request: ignored, the connection closes
        consumed = len;
        return Result::NeedMore;
    }
    consumed = len;
    if (error_status_ == 0) {
        error_status_ = 400;
        error_kind_ = metrics::Rejected::BadRequest;
        error_reason_ = std::string("malformed request: ") + llhttp_get_error_reason(&parser_);
    }
    return Result::Error;
}

void RequestReader::next() {
    llhttp_resume(&parser_);
    request_.clear();
    field_.clear();
    value_.clear();
    in_value_ = false;
    scan_ = HeadScan::BeforeRequestLine;
    header_bytes_ = 0;
    started_ = false;
    expect_continue_ = false;
    in_trailers_ = false;
}

int RequestReader::on_message_begin(llhttp_t* p) noexcept {
    self(p)->started_ = true;
    return 0;
}

int RequestReader::on_method(llhttp_t* p, const char* at, size_t len) noexcept {
    RequestReader* r = self(p);
    if (!r->count_header_bytes(len))
        return r->fail(414, metrics::Rejected::UriTooLong, "request line is too long");
    r->request_.method.append(at, len);
    return 0;
}

int RequestReader::on_url(llhttp_t* p, const char* at, size_t len) noexcept {
    RequestReader* r = self(p);
    if (!r->count_header_bytes(len))
        return r->fail(414, metrics::Rejected::UriTooLong, "request line is too long");
    r->request_.target.append(at, len);
    return 0;
}

int RequestReader::on_header_field(llhttp_t* p, const char* at, size_t len) noexcept {
    RequestReader* r = self(p);
    if (!r->count_header_bytes(len + 4)) // ": " and CRLF count too
        return r->fail(431, metrics::Rejected::HeaderTooLarge, "request headers are too large");
    if (r->in_value_) r->in_value_ = false;
    r->field_.append(at, len);
    return 0;
}

int RequestReader::on_header_value(llhttp_t* p, const char* at, size_t len) noexcept {
    RequestReader* r = self(p);
    if (!r->count_header_bytes(len))
        return r->fail(431, metrics::Rejected::HeaderTooLarge, "request headers are too large");
    r->in_value_ = true;
    r->value_.append(at, len);
    return 0;
}

int RequestReader::on_header_value_complete(llhttp_t* p) noexcept {
    RequestReader* r = self(p);
    if (r->field_.empty())
        return r->fail(400, metrics::Rejected::BadRequest,
                       "malformed request: a header field has no name");
    if (r->in_trailers_) { // RFC 9110 6.5.1: trailer fields are not merged into the headers
        r->field_.clear();
        r->value_.clear();
        r->in_value_ = false;
        return 0;
    }
    std::string name = std::move(r->field_);
    for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // RFC 9110 5.5: optional whitespace around a value is not part of it. Trimmed once here,
    // so no reader of a header (Last-Event-ID, Authorization, ...) has to.
    std::string& value = r->value_;
    size_t end = value.find_last_not_of(" \t");
    value.erase(end == std::string::npos ? 0 : end + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    r->request_.headers.emplace_back(std::move(name), std::move(value));
    r->field_.clear();
    r->value_.clear();
    r->in_value_ = false;
    return 0;
}

int RequestReader::on_headers_complete(llhttp_t* p) noexcept {
    RequestReader* r = self(p);
    app::Request& req = r->request_;
    // llhttp also takes HTTP/2.0 and a request line without a version (HTTP/0.9).
    if (p->http_major == 0)
        return r->fail(400, metrics::Rejected::BadRequest,
                       "malformed request: the request line has no HTTP version");
    if (p->http_major != 1 || p->http_minor > 1)
        return r->fail(505, metrics::Rejected::BadRequest,
                       "HTTP version not supported: only HTTP/1.0 and HTTP/1.1 are");
    size_t hosts = req.header_count("host");
    if (hosts > 1) return r->fail(400, metrics::Rejected::BadRequest, "more than one Host header");
    if (hosts == 0 && (p->http_major > 1 || (p->http_major == 1 && p->http_minor >= 1)))
        return r->fail(400, metrics::Rejected::BadRequest, "missing Host header");
    // A body that announces itself too large is refused before it is read.
    if ((p->flags & F_CONTENT_LENGTH) && p->content_length > r->limits_.max_body_bytes)
        return r->fail(413, metrics::Rejected::BodyTooLarge,
                       "request body is larger than max-event-bytes (" +
                           std::to_string(r->limits_.max_body_bytes) + ")");
    // llhttp takes any coding before the final chunked; the hub decodes none (RFC 9112 6.1).
    if (const std::string* te = req.header("transfer-encoding"); te && !iequals(*te, "chunked"))
        return r->fail(501, metrics::Rejected::BadRequest,
                       "unsupported Transfer-Encoding: only chunked is");
    r->in_trailers_ = true; // what llhttp reports as fields from now on are trailers
    if (const std::string* expect = req.header("expect")) {
        if (!iequals(*expect, "100-continue"))
            return r->fail(400, metrics::Rejected::BadRequest, "unsupported Expect header");
        r->expect_continue_ = true;
    }
    return 0;
}

int RequestReader::on_body(llhttp_t* p, const char* at, size_t len) noexcept {
    RequestReader* r = self(p);
    if (r->request_.body.size() + len > r->limits_.max_body_bytes)
        return r->fail(413, metrics::Rejected::BodyTooLarge,
                       "request body is larger than max-event-bytes (" +
                           std::to_string(r->limits_.max_body_bytes) + ")");
    r->request_.body.append(at, len);
    return 0;
}

int RequestReader::on_message_complete(llhttp_t* p) noexcept {
    RequestReader* r = self(p);
    // The hub switches to no other protocol (h2c, WebSocket): a request asking to upgrade is
    // answered over HTTP/1.1 and the connection then closes, since llhttp reads nothing after it.
    r->request_.keep_alive =
        r->request_.keep_alive && llhttp_should_keep_alive(p) && p->upgrade == 0;
    r->request_.method = llhttp_method_name(static_cast<llhttp_method_t>(p->method));
    return HPE_PAUSED; // one request at a time: the connection answers it, then resumes
}

} // namespace ssehub::http1
