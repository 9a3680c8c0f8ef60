#pragma once
// Escaping for the one-line JSON events the subcommands print with --json. The events are
// small and flat, so they are assembled as text; this is the one place strings are escaped.
#include <string>
#include <string_view>

namespace shotchain::cli {

// `s` escaped for use inside a JSON string literal (quotes, backslashes, control characters).
std::string json_escape(std::string_view s);

// `s` as a quoted JSON string.
inline std::string json_string(std::string_view s) { return "\"" + json_escape(s) + "\""; }

} // namespace shotchain::cli
