// Which topics a token's claim names: exact topic names and simple patterns. A pattern can only
// narrow what it names; one this matcher does not understand matches nothing, never everything.
//
//   todo/alice                      exactly that topic
//   todo/*                          `*` is any run of characters without '/', possibly empty:
//                                   todo/alice, todo/ (not todo/alice/x, not todo)
//   https://example.com/books/{id}  an RFC 6570 simple variable `{name}` is the same as `*`
//                                   (Mercure's URI-template selectors)
//   *                               alone: every topic (Mercure's meaning), '/' included
//
// Other URI-template forms (`{+path}`, `{/a,b}`, an unclosed `{`) make the pattern match nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ssehub::auth {

bool matches(std::string_view pattern, std::string_view topic);
// Whether every part of `pattern` is a form above (a pattern that is not matches nothing). The
// operator's own patterns (--private-topic) must be: one that matched nothing would leave the
// topics it meant to close open.
bool understood(std::string_view pattern);

// What one claim (subscribe or publish) allows: any of its patterns.
struct TopicRights {
    std::vector<std::string> patterns;

    bool allows(std::string_view topic) const;
    bool empty() const { return patterns.empty(); }
};

} // namespace ssehub::auth
