// The token path (src/auth/token.hpp): whatever the bytes, verify() never crashes and either
// refuses with a one-line reason or accepts only what one of the test keys signed, with its
// rights readable. The same input, split at its first '\n' into a pattern and a topic, checks
// matches() against a plain dynamic-programming matcher of the same rules.
#include "auth/token.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

using namespace ssehub::auth;

namespace {

const KeySet& test_keys() {
    static const KeySet keys = [] {
        const std::string dir = SSEHUB_TEST_DATA_DIR "/jwt/";
        KeySet k;
        k.add_secret_file(dir + "hs256.secret", "hs-1");
        k.add_public_key_file(dir + "rs256.pub.pem", "rs-1");
        k.add_public_key_file(dir + "es256.pub.pem", "es-1");
        return k;
    }();
    return keys;
}

bool varname_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '%';
}

// The reference: tokenize (a wildcard is -1, a literal its byte), then match[i][j] = does
// pattern[i..] match topic[j..].
bool reference_matches(std::string_view p, std::string_view t) {
    if (p == "*") return true;
    std::vector<int> tokens;
    for (size_t i = 0; i < p.size(); ++i) {
        if (p[i] == '*') {
            tokens.push_back(-1);
        } else if (p[i] == '{') {
            size_t close = p.find('}', i);
            if (close == std::string_view::npos || close == i + 1) return false;
            for (size_t k = i + 1; k < close; ++k)
                if (!varname_char(p[k])) return false;
            tokens.push_back(-1);
            i = close;
        } else {
            tokens.push_back(static_cast<unsigned char>(p[i]));
        }
    }
    size_t n = tokens.size();
    size_t m = t.size();
    std::vector<std::vector<char>> match(n + 1, std::vector<char>(m + 1, 0));
    match[n][m] = 1;
    for (size_t i = n; i-- > 0;)
        for (size_t j = m + 1; j-- > 0;) {
            if (tokens[i] == -1)
                match[i][j] = match[i + 1][j] || (j < m && t[j] != '/' && match[i][j + 1]);
            else
                match[i][j] =
                    j < m && static_cast<unsigned char>(t[j]) == tokens[i] && match[i + 1][j + 1];
        }
    return match[0][0] != 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(bytes), size);
    for (int64_t leeway : {0, 60}) {
        Verified v = verify(input, test_keys(), 1800000000, leeway);
        if (const auto* r = std::get_if<Refused>(&v)) {
            if (r->text.empty() || r->text.find('\n') != std::string::npos) std::abort();
            if (refusal_name(r->reason) == "?") std::abort();
            continue;
        }
        // Accepted: only a token of at most 8 KiB, and its rights are usable.
        if (input.size() > max_token_bytes) std::abort();
        const auto& claims = std::get<Claims>(v);
        for (const std::string& p : claims.subscribe.patterns)
            (void)claims.publish.allows(p);
    }
    size_t newline = input.find('\n');
    if (newline != std::string_view::npos && size <= 600) { // the reference is quadratic
        std::string_view pattern = input.substr(0, newline);
        std::string_view topic = input.substr(newline + 1);
        if (matches(pattern, topic) != reference_matches(pattern, topic)) std::abort();
    }
    return 0;
}
