#include "remote/url.h"

#include <algorithm>
#include <cctype>

namespace shotchain::remote {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

} // namespace

bool parse_url(std::string_view url, UrlParts& out) {
  auto colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0) return false;
  out = UrlParts{};
  out.scheme = lower(url.substr(0, colon));
  for (char c : out.scheme)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.')
      return false;
  std::string_view rest = url.substr(colon + 3);
  auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos)
    authority = authority.substr(at + 1);
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return false;
      port = authority.substr(close + 2);
    }
  } else if (auto c = authority.rfind(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  if (host.empty()) return false;
  out.host = lower(host);
  if (!port.empty()) {
    int p = 0;
    for (char ch : port) {
      if (!std::isdigit(static_cast<unsigned char>(ch))) return false;
      p = p * 10 + (ch - '0');
      if (p > 65535) return false;
    }
    out.port = p;
  } else {
    out.port = out.scheme == "https" ? 443 : out.scheme == "http" ? 80 : 0;
  }
  auto q = tail.find('?');
  auto h = tail.find('#');
  out.path = std::string(tail.substr(0, std::min(q, h)));
  if (q != std::string_view::npos && (h == std::string_view::npos || q < h))
    out.query = std::string(tail.substr(q + 1, h == std::string_view::npos ? h : h - q - 1));
  return true;
}

bool is_loopback_host(std::string_view host) {
  std::string h = lower(host);
  if (h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1") return true;
  if (h.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : h) {
    if (c == '.')
      ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  }
  return dots == 3;
}

std::string url_policy_violation(std::string_view url) {
  UrlParts parts;
  if (!parse_url(url, parts)) return "not an absolute URL: " + redact_url(url);
  if (parts.scheme == "https") return {};
  if (parts.scheme == "http") {
    if (is_loopback_host(parts.host)) return {};
    return "plain http is only allowed to loopback hosts: " + redact_url(url);
  }
  return "scheme '" + parts.scheme + "' is not allowed (https only): " + redact_url(url);
}

bool same_origin(std::string_view a, std::string_view b) {
  UrlParts pa, pb;
  if (!parse_url(a, pa) || !parse_url(b, pb)) return false;
  return pa.scheme == pb.scheme && pa.host == pb.host && pa.port == pb.port;
}

std::string resolve_location(std::string_view base, std::string_view location) {
  if (location.find("://") != std::string_view::npos) return std::string(location);
  UrlParts parts;
  if (!parse_url(base, parts)) return std::string(location);
  auto scheme_end = base.find("://");
  auto authority_end = base.find_first_of("/?#", scheme_end + 3);
  std::string origin(base.substr(0, authority_end));
  if (location.rfind("//", 0) == 0) return parts.scheme + ":" + std::string(location);
  if (!location.empty() && location.front() == '/') return origin + std::string(location);
  std::string dir = parts.path.substr(0, parts.path.rfind('/') + 1);
  if (dir.empty()) dir = "/";
  return origin + dir + std::string(location);
}

bool has_header_breaking_chars(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

} // namespace shotchain::remote
