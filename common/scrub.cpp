#include "common/scrub.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace shotchain {
namespace {

std::shared_mutex secrets_mutex;
std::vector<std::string>& secrets() {
  static std::vector<std::string> list;
  return list;
}

constexpr std::string_view kRedacted = "<redacted>";

bool ieq_prefix(std::string_view text, std::size_t at, std::string_view word) {
  if (text.size() - at < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[at + i])) != word[i]) return false;
  return true;
}

void replace_all(std::string& text, std::string_view needle) {
  for (auto pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + kRedacted.size()))
    text.replace(pos, needle.size(), kRedacted);
}

// Characters that end a URL or a token inside free text.
bool ends_token(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'' || c == '<' ||
         c == '>' || c == ',' || c == ')' || c == ']' || c == '}';
}

// Characters that end a URL inside free text: ',' ')' ']' '}' may stand inside one (a path
// "a,b" must not end the URL before its query, or the query would be shown).
bool ends_url(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'' || c == '<' ||
         c == '>';
}

// Every URL in free text (from "://" to a space, quote or angle bracket) through redact_url.
std::string redact_urls(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto mark = text.find("://", i);
    if (mark == std::string_view::npos) break;
    std::size_t end = mark + 3;
    while (end < text.size() && !ends_url(text[end])) ++end;
    out.append(text.substr(i, mark - i)).append(redact_url(text.substr(mark, end - mark)));
    i = end;
  }
  out.append(text.substr(std::min(i, text.size())));
  return out;
}

// "Bearer xyz" and "Authorization: xyz" (any case) lose the value that follows.
std::string redact_credentials(std::string text) {
  for (std::string_view word : {std::string_view("bearer "), std::string_view("authorization:"),
                                std::string_view("authorization=")}) {
    for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
      if (!ieq_prefix(text, i, word)) continue;
      std::size_t start = i + word.size();
      while (start < text.size() && text[start] == ' ') ++start;
      std::size_t end = start;
      while (end < text.size() && !ends_token(text[end])) ++end;
      // "Authorization: Bearer x": keep the scheme word, the Bearer pass redacts the rest.
      if (word != "bearer " && ieq_prefix(text, start, "bearer ")) continue;
      if (end > start && text.compare(start, end - start, kRedacted) != 0) {
        text.replace(start, end - start, kRedacted);
        i = start + kRedacted.size() - 1;
      }
    }
  }
  return text;
}

// Length of the valid UTF-8 sequence at `i`, or 0 when the byte there does not start one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (n == 2 && c < 0xC2) return 0;                                      // overlong
  if (n == 3 && c == 0xE0 && b(i + 1) < 0xA0) return 0;                  // overlong
  if (n == 3 && c == 0xED && b(i + 1) >= 0xA0) return 0;                 // surrogates
  if (n == 4 && c == 0xF0 && b(i + 1) < 0x90) return 0;                  // overlong
  if (n == 4 && (c > 0xF4 || (c == 0xF4 && b(i + 1) >= 0x90))) return 0; // past U+10FFFF
  if (n == 2 && c == 0xC2 && b(i + 1) < 0xA0) return 0; // C1 controls (U+0080..U+009F)
  return n;
}

// Control bytes and invalid UTF-8 become "\xNN"; newline and tab are kept or folded to ' '.
std::string make_printable(std::string_view text, bool keep_lines) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || c == '\t' || c == '\r') {
      out.push_back(keep_lines && c != '\r' ? static_cast<char>(c) : ' ');
      ++i;
      continue;
    }
    std::size_t n = (c < 0x20 || c == 0x7f) ? 0 : utf8_length(text, i);
    if (n == 0) {
      out.append("\\x").push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
      ++i;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string remove_secrets(std::string text) {
  std::shared_lock lock(secrets_mutex);
  for (const auto& s : secrets()) replace_all(text, s);
  return text;
}

std::string scrub_all(std::string_view text, bool keep_lines) {
  // Secrets go first, on the raw bytes, so that no later rewrite can split or hide one; again
  // last, in case an escape turned bytes around a secret into one.
  std::string s = remove_secrets(std::string(text));
  s = make_printable(s, keep_lines);
  s = redact_credentials(redact_urls(s));
  return remove_secrets(std::move(s));
}

} // namespace

std::string redact_url(std::string_view url) {
  std::string out;
  std::string_view rest = url;
  if (auto mark = url.find("://"); mark != std::string_view::npos) {
    out.append(url.substr(0, mark + 3));
    rest = url.substr(mark + 3);
    auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      out.append(kRedacted).append("@");
      authority = authority.substr(at + 1);
    }
    out.append(authority);
    rest =
        authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  }
  rest = rest.substr(0, rest.find('#'));
  if (auto q = rest.find('?'); q != std::string_view::npos)
    out.append(rest.substr(0, q)).append("?").append(kRedacted);
  else
    out.append(rest);
  return out;
}

void register_secret(std::string_view secret) {
  if (secret.size() < 4) return;
  std::unique_lock lock(secrets_mutex);
  auto& list = secrets();
  if (std::find(list.begin(), list.end(), secret) == list.end()) list.emplace_back(secret);
  // Longest first, so a secret that contains another is removed whole.
  std::sort(list.begin(), list.end(), [](auto& a, auto& b) { return a.size() > b.size(); });
}

void clear_secrets() {
  std::unique_lock lock(secrets_mutex);
  secrets().clear();
}

std::string scrub(std::string_view text, std::size_t max_bytes) {
  std::string s = scrub_all(text, false);
  if (s.size() <= max_bytes) return s;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s + "...";
}

std::string scrub_keep_lines(std::string_view text) { return scrub_all(text, true); }

} // namespace shotchain
