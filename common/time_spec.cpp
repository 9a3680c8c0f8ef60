#include "common/time_spec.h"

#include <charconv>
#include <vector>

namespace shotchain {
namespace {

bool parse_uint(std::string_view s, int64_t& out, std::size_t max_digits = 12) {
  if (s.empty() || s.size() > max_digits) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

// Two digits, below 60 (minutes and seconds fields of a clock time).
bool parse_sexagesimal(std::string_view s, int64_t& out) {
  return s.size() == 2 && parse_uint(s, out) && out < 60;
}

// "SS" or "SS.fff" -> microseconds (fraction rounded to the microsecond). `two_digits`: the
// seconds field of a clock time.
bool parse_seconds(std::string_view s, int64_t& us, bool two_digits) {
  const auto dot = s.find('.');
  int64_t whole = 0;
  const std::string_view int_part = s.substr(0, dot);
  if (two_digits ? !parse_sexagesimal(int_part, whole) : !parse_uint(int_part, whole)) return false;
  int64_t frac_us = 0;
  if (dot != std::string_view::npos) {
    const std::string_view f = s.substr(dot + 1);
    int64_t digits = 0;
    if (f.size() > 9 || !parse_uint(f, digits, 9)) return false;
    for (std::size_t i = f.size(); i < 9; ++i) digits *= 10; // to nanoseconds
    frac_us = (digits + 500) / 1000;
  }
  if (whole > 100LL * 3600 * 24) return false;
  us = whole * 1000000 + frac_us;
  return true;
}

} // namespace

double TimeSpec::seconds_at(int rate_num, int rate_den) const {
  double s = static_cast<double>(microseconds) / 1e6;
  if (frames > 0 && rate_num > 0 && rate_den > 0)
    s += static_cast<double>(frames) * rate_den / rate_num;
  return s;
}

std::optional<TimeSpec> parse_time(std::string_view text) {
  TimeSpec t;
  t.text = std::string(text);
  if (text.empty() || text.size() > 32) return std::nullopt;
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  bool semicolon = false;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ':' || text[i] == ';') {
      if (i < text.size() && text[i] == ';') {
        if (parts.size() != 2) return std::nullopt; // ';' only before the frames field
        semicolon = true;
      }
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  int64_t h = 0, m = 0, sec = 0, frames = 0, sec_us = 0;
  switch (parts.size()) {
    case 1:
      if (!parse_seconds(parts[0], sec_us, false)) return std::nullopt;
      t.microseconds = sec_us;
      return t;
    case 2:
      if (!parse_uint(parts[0], m, 6) || !parse_seconds(parts[1], sec_us, true))
        return std::nullopt;
      t.microseconds = m * 60'000'000 + sec_us;
      return t;
    case 3:
      if (semicolon || !parse_uint(parts[0], h, 4) || !parse_sexagesimal(parts[1], m) ||
          !parse_seconds(parts[2], sec_us, true))
        return std::nullopt;
      t.microseconds = (h * 3600 + m * 60) * 1'000'000 + sec_us;
      return t;
    case 4:
      if (!parse_uint(parts[0], h, 4) || !parse_sexagesimal(parts[1], m) ||
          !parse_sexagesimal(parts[2], sec) || !parse_uint(parts[3], frames, 3))
        return std::nullopt;
      t.microseconds = (h * 3600 + m * 60 + sec) * 1'000'000;
      t.frames = static_cast<int>(frames);
      return t;
    default:
      return std::nullopt;
  }
}

} // namespace shotchain
