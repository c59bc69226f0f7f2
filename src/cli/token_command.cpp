// `ssehub token`: mints a signed token for trying private topics, so an operator needs nothing
// but the binary and a key file. Talks to no hub; prints the token and a newline.
#include "cli/commands.hpp"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#ifdef SSEHUB_HAVE_TLS
#include "cli/token_signing.hpp"
#endif

namespace ssehub::cli {

std::string token_payload(const TokenRequest& request, int64_t now_s) {
    nlohmann::ordered_json rights = {{"subscribe", request.subscribe},
                                     {"publish", request.publish}};
    nlohmann::ordered_json payload = {{request.mercure ? "mercure" : "ssehub", rights}};
    // The admin claim is the hub's own: beside Mercure's claim it goes in an "ssehub" object.
    if (request.admin) payload["ssehub"]["admin"] = true;
    if (request.ttl_s != 0) payload["exp"] = now_s + static_cast<int64_t>(request.ttl_s);
    payload["iat"] = now_s;
    return payload.dump();
}

int run_token(const ClientOptions& options) {
#ifdef SSEHUB_HAVE_TLS
    const TokenRequest& request = options.mint;
    SigningKey key = load_signing_key(request.key_file); // throws: reported as exit 1
    auto now = std::chrono::system_clock::now().time_since_epoch();
    int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now).count();
    std::string line = sign_token(key, request.kid, token_payload(request, now_s)) + "\n";
    if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() ||
        std::fflush(stdout) != 0) {
        report("token: cannot write to standard output");
        return 1;
    }
    return 0;
#else
    (void)options;
    report("token: unavailable: this ssehub was built without OpenSSL");
    return 1;
#endif
}

} // namespace ssehub::cli
