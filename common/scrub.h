#pragma once
// The one scrubber for text that came from outside (a service answer, a header, a redirect's
// Location, a job id, a status word, a file's contents) before it is printed, logged or
// journalled. Whatever the peer sends, the result holds no registered secret (the API key),
// no Authorization/Bearer value, no URL query or user info, no control characters or invalid
// UTF-8 (a hostile peer must not drive the terminal), and is at most `max_bytes` long.
#include <cstddef>
#include <string>
#include <string_view>

namespace shotchain {

// Adds a secret that no scrubbed text may contain (process-wide, thread-safe). Secrets shorter
// than 4 bytes are ignored: scrubbing them would mangle ordinary text and protect nothing.
void register_secret(std::string_view secret);

// One URL for logs and errors: user info and query replaced by <redacted>, fragment dropped
// ("https://u:p@h/a?X-Amz-Signature=..#f" -> "https://<redacted>@h/a?<redacted>"). scrub()
// applies it to every URL inside free text.
std::string redact_url(std::string_view url);

// Forgets every registered secret (tests).
void clear_secrets();

// The text made safe to show, on one line. Longer texts are cut to `max_bytes` (at a UTF-8
// boundary) and end in "...".
std::string scrub(std::string_view text, std::size_t max_bytes = 300);

// Like scrub() without the length cap or the line folding: for bodies written to journals
// and logs that must keep their shape. Still removes secrets, queries and control bytes
// other than newline and tab.
std::string scrub_keep_lines(std::string_view text);

} // namespace shotchain
