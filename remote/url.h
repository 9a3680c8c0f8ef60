#pragma once
// URL checks shared by the API client and downloads: which schemes and hosts are allowed,
// and how a URL is shown in logs and errors (query strings and user info redacted).
#include <string>
#include <string_view>

#include "common/scrub.h"

namespace shotchain::remote {

struct UrlParts {
  std::string scheme; // lower case: "https", "http", ...
  std::string host;   // lower case, without brackets for IPv6
  int port = 0;       // explicit or the scheme's default
  std::string path;   // from the first '/' up to '?' or '#'
  std::string query;  // without '?'
};

// Splits an absolute URL; returns false when it is not one.
bool parse_url(std::string_view url, UrlParts& out);

// 127.0.0.0/8, ::1 and localhost.
bool is_loopback_host(std::string_view host);

// Empty when `url` may be fetched: https anywhere, http only for loopback hosts. Otherwise
// the reason it is refused (the URL in the reason is redacted).
std::string url_policy_violation(std::string_view url);

// The URL for logs and errors: shotchain::redact_url (common/scrub.h, the one scrubber).
using shotchain::redact_url;

// Same scheme, host and port.
bool same_origin(std::string_view a, std::string_view b);

// Resolves a Location header value against the URL it came from.
std::string resolve_location(std::string_view base, std::string_view location);

// True when `value` holds CR, LF or NUL (refused in anything that goes into a header).
bool has_header_breaking_chars(std::string_view value);

} // namespace shotchain::remote
