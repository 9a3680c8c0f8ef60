#include "remote/atlas_types.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace shotchain::remote {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

} // namespace

PredictionState classify_status(std::string_view status, bool* known) {
  std::string s = lower(status);
  if (known) *known = true;
  if (s == "completed" || s == "succeeded" || s == "success") return PredictionState::succeeded;
  if (s == "failed" || s == "error" || s == "canceled" || s == "cancelled" || s == "timeout")
    return PredictionState::failed;
  if (s == "created" || s == "queued" || s == "starting" || s == "processing")
    return PredictionState::running;
  if (known) *known = false;
  return PredictionState::running;
}

std::optional<std::int64_t> parse_timestamp_ms(std::string_view t) {
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  if (t.empty()) return std::nullopt;
  bool numeric =
      std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c) || c == '.'; });
  if (numeric) {
    double v = std::atof(std::string(t).c_str());
    // Beyond year ~5000 (or not a number): not a time this client can compare.
    if (!(v >= 0) || v > 1e14) return std::nullopt;
    if (v > 1e11) return static_cast<std::int64_t>(v); // milliseconds
    return static_cast<std::int64_t>(v * 1000.0);      // seconds
  }
  // YYYY-MM-DD[T ]HH:MM:SS[.fff][Z|+HH:MM|-HH:MM]
  int Y, M, D, h, m, s;
  int consumed = 0;
  std::string str(t);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &s,
                  &consumed) != 6)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  std::int64_t ms = static_cast<std::int64_t>(timegm(&tm)) * 1000;
  std::size_t i = static_cast<std::size_t>(consumed);
  if (i < str.size() && str[i] == '.') {
    ++i;
    std::int64_t frac = 0;
    int digits = 0;
    while (i < str.size() && std::isdigit(static_cast<unsigned char>(str[i]))) {
      if (digits < 3) {
        frac = frac * 10 + (str[i] - '0');
        ++digits;
      }
      ++i;
    }
    while (digits < 3) {
      frac *= 10;
      ++digits;
    }
    ms += frac;
  }
  if (i < str.size() && (str[i] == '+' || str[i] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(str.c_str() + i + 1, "%2d:%2d", &oh, &om) >= 1) {
      std::int64_t off = (oh * 60 + om) * 60000LL;
      ms += str[i] == '+' ? -off : off;
    }
  }
  return ms;
}

} // namespace shotchain::remote
