// Bytes from the hub -> one HTTP/1.1 response, through llhttp in HTTP_RESPONSE mode. Handles
// Content-Length, chunked and close-delimited bodies; hands the body on as it arrives (an
// event stream never ends) and buffers only the status line and headers, which are bounded.
// Pure: no sockets.
#pragma once

#include <llhttp.h>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssehub::cli {

struct ResponseHead {
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers; // names in lower case

    // Value of the first header of that (lower-case) name, or nullptr.
    const std::string* header(std::string_view name) const;
};

class ResponseReader {
  public:
    enum class State { Head, Body, Complete, Error };
    static constexpr size_t max_head_bytes = 64u << 10;

    ResponseReader();
    ResponseReader(const ResponseReader&) = delete;
    ResponseReader& operator=(const ResponseReader&) = delete;

    // Parses the next bytes; body bytes (de-chunked) are appended to `body`. Bytes after the
    // end of the response are ignored.
    State feed(std::string_view bytes, std::string& body);
    // The hub closed the connection: ends a close-delimited body; anything else unfinished is
    // an error.
    State finish();

    State state() const { return state_; }
    const ResponseHead& head() const { return head_; }
    const std::string& error() const { return error_; }

  private:
    static int on_status(llhttp_t* p, const char* at, size_t len) noexcept;
    static int on_header_field(llhttp_t* p, const char* at, size_t len) noexcept;
    static int on_header_value(llhttp_t* p, const char* at, size_t len) noexcept;
    static int on_header_value_complete(llhttp_t* p) noexcept;
    static int on_headers_complete(llhttp_t* p) noexcept;
    static int on_body(llhttp_t* p, const char* at, size_t len) noexcept;
    static int on_message_complete(llhttp_t* p) noexcept;

    State fail(std::string reason);
    bool count_head_bytes(size_t n);

    llhttp_settings_t settings_;
    llhttp_t parser_;
    State state_ = State::Head;
    ResponseHead head_;
    std::string field_, value_;
    bool in_value_ = false;
    size_t head_bytes_ = 0;
    std::string* body_ = nullptr; // not owned: the caller's buffer during feed()
    std::string error_;
};

} // namespace ssehub::cli
