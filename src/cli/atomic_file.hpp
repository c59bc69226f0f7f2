// Replacing a file so that a reader (a hub reloading on SIGHUP, a second `tls init`) finds the
// old content or the new, never a half-written file.
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>

namespace ssehub::cli {

struct FileOwner {
    uid_t uid;
    gid_t gid;
};

// Writes `bytes` to a temporary file in `dir` created with `mode` (never wider at any moment),
// gives it to `owner` when set, syncs it, renames it over dir/name and syncs `dir`. Throws
// std::runtime_error with one line naming the path; the temporary file is removed then.
void write_file_atomically(const std::string& dir, const std::string& name,
                           const std::string& bytes, mode_t mode,
                           std::optional<FileOwner> owner = std::nullopt);

// The whole of a small file (at most `limit` bytes). Throws std::runtime_error naming the path
// when it cannot be read or is larger.
std::string read_small_file(const std::string& path, size_t limit);

} // namespace ssehub::cli
