// --token-file for publish, subscribe and stats: a token kept out of the command line (and so
// out of `ps` and shell history) and out of the environment. The format is serve's
// --token-file's, so one file serves both: blank lines and '#' comments are skipped, and here
// only the first token counts.
#include "cli/commands.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ssehub::cli {

namespace {

// A token file is a line or a few; anything bigger is the wrong file.
constexpr size_t max_token_file_bytes = 64 * 1024;

} // namespace

std::optional<std::string> read_token_file(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "--token-file " + path + ": cannot be read: " + std::strerror(errno);
        return std::nullopt;
    }
    std::string content(max_token_file_bytes + 1, '\0');
    in.read(content.data(), static_cast<std::streamsize>(content.size()));
    if (in.bad()) {
        error = "--token-file " + path + ": cannot be read";
        return std::nullopt;
    }
    content.resize(static_cast<size_t>(in.gcount()));
    if (content.size() > max_token_file_bytes) {
        error = "--token-file " + path + ": longer than 64 KiB: not a token file";
        return std::nullopt;
    }
    std::istringstream lines(content);
    std::string line;
    while (std::getline(lines, line)) {
        size_t first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#') continue;
        size_t last = line.find_last_not_of(" \t\r");
        std::string token = line.substr(first, last - first + 1);
        for (char c : token)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                error = "--token-file " + path +
                        ": the token contains a control character, which cannot be sent in a "
                        "header";
                return std::nullopt;
            }
        return token;
    }
    error = "--token-file " + path + ": holds no token (only blank lines and # comments)";
    return std::nullopt;
}

} // namespace ssehub::cli
