#include "cli/response_reader.hpp"

#include <cctype>

namespace ssehub::cli {

namespace {

ResponseReader* self(llhttp_t* p) {
    return static_cast<ResponseReader*>(p->data);
}

} // namespace

const std::string* ResponseHead::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (k == name) return &v;
    return nullptr;
}

ResponseReader::ResponseReader() {
    llhttp_settings_init(&settings_);
    settings_.on_status = on_status;
    settings_.on_header_field = on_header_field;
    settings_.on_header_value = on_header_value;
    settings_.on_header_value_complete = on_header_value_complete;
    settings_.on_headers_complete = on_headers_complete;
    settings_.on_body = on_body;
    settings_.on_message_complete = on_message_complete;
    llhttp_init(&parser_, HTTP_RESPONSE, &settings_);
    parser_.data = this;
}

ResponseReader::State ResponseReader::fail(std::string reason) {
    state_ = State::Error;
    error_ = std::move(reason);
    return state_;
}

bool ResponseReader::count_head_bytes(size_t n) {
    head_bytes_ += n;
    return head_bytes_ <= max_head_bytes;
}

ResponseReader::State ResponseReader::feed(std::string_view bytes, std::string& body) {
    if (state_ == State::Complete || state_ == State::Error) return state_;
    body_ = &body;
    llhttp_errno_t err = llhttp_execute(&parser_, bytes.data(), bytes.size());
    body_ = nullptr;
    if (err == HPE_OK || state_ == State::Complete) return state_;
    if (state_ == State::Error) return state_;
    return fail(std::string("malformed response: ") + llhttp_get_error_reason(&parser_));
}

ResponseReader::State ResponseReader::finish() {
    if (state_ == State::Complete || state_ == State::Error) return state_;
    if (state_ == State::Head) return fail("connection closed before a complete response");
    llhttp_finish(&parser_); // completes a close-delimited body through on_message_complete
    if (state_ == State::Complete) return state_;
    return fail("connection closed in the middle of the response body");
}

int ResponseReader::on_status(llhttp_t* p, const char* at, size_t len) noexcept {
    ResponseReader* r = self(p);
    if (!r->count_head_bytes(len)) {
        r->fail("response status line and headers exceed 64 KiB");
        return -1;
    }
    r->head_.reason.append(at, len);
    return 0;
}

int ResponseReader::on_header_field(llhttp_t* p, const char* at, size_t len) noexcept {
    ResponseReader* r = self(p);
    if (!r->count_head_bytes(len)) {
        r->fail("response status line and headers exceed 64 KiB");
        return -1;
    }
    if (r->in_value_) {
        r->field_.clear();
        r->value_.clear();
        r->in_value_ = false;
    }
    for (size_t i = 0; i < len; ++i)
        r->field_ += static_cast<char>(std::tolower(static_cast<unsigned char>(at[i])));
    return 0;
}

int ResponseReader::on_header_value(llhttp_t* p, const char* at, size_t len) noexcept {
    ResponseReader* r = self(p);
    if (!r->count_head_bytes(len)) {
        r->fail("response status line and headers exceed 64 KiB");
        return -1;
    }
    r->in_value_ = true;
    r->value_.append(at, len);
    return 0;
}

int ResponseReader::on_header_value_complete(llhttp_t* p) noexcept {
    ResponseReader* r = self(p);
    r->head_.headers.emplace_back(std::move(r->field_), std::move(r->value_));
    r->field_.clear();
    r->value_.clear();
    r->in_value_ = false;
    return 0;
}

int ResponseReader::on_headers_complete(llhttp_t* p) noexcept {
    ResponseReader* r = self(p);
    int status = llhttp_get_status_code(p);
    if (status >= 100 && status < 200) {
        // An interim response (100 Continue): the real one follows.
        r->head_ = ResponseHead();
        r->head_bytes_ = 0;
        return 0;
    }
    r->head_.status = status;
    r->state_ = State::Body;
    return 0;
}

int ResponseReader::on_body(llhttp_t* p, const char* at, size_t len) noexcept {
    ResponseReader* r = self(p);
    if (r->body_) r->body_->append(at, len);
    return 0;
}

int ResponseReader::on_message_complete(llhttp_t* p) noexcept {
    ResponseReader* r = self(p);
    if (r->state_ != State::Body) return 0; // the end of an interim response
    r->state_ = State::Complete;
    return HPE_PAUSED; // whatever follows is not ours
}

} // namespace ssehub::cli
