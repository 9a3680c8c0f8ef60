// What the three timeline writers share: rates and timecode, source range arithmetic, reel
// names, text escaping and the atomic file writer.
#include "stages/timeline/timeline.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>
#include <system_error>

#include "common/error.h"

namespace shotchain::timeline {
namespace fs = std::filesystem;

namespace {
// Frames dropped from the count at each minute not divisible by ten: 2 at 29.97, 4 at 59.94.
int dropped_per_minute(int nominal) { return nominal / 15; }
} // namespace

Rate media_rate(Rate average) {
  static const Rate kStandard[] = {{24000, 1001}, {24, 1},  {25, 1},        {30000, 1001},
                                   {30, 1},       {48, 1},  {50, 1},        {60000, 1001},
                                   {60, 1},       {100, 1}, {120000, 1001}, {120, 1}};
  if (!average.valid()) return average;
  const double fps = static_cast<double>(average.num) / average.den;
  const Rate* best = nullptr;
  double best_error = 0.05;
  for (const Rate& r : kStandard) {
    if (r == average) return r;
    const double error = std::fabs(fps / (static_cast<double>(r.num) / r.den) - 1.0);
    if (error <= best_error) {
      best = &r;
      best_error = error;
    }
  }
  return best ? *best : average;
}

std::int64_t Sequence::start() const {
  return start_frame >= 0 ? start_frame : timecode_frame(1, 0, 0, 0, rate, rate.drop_frame());
}

std::int64_t Sequence::frames() const {
  std::int64_t n = 0;
  for (const auto& e : events) n += e.length;
  return n;
}

std::int64_t timecode_frame(int hours, int minutes, int seconds, int frames, Rate rate,
                            bool drop_frame) {
  const std::int64_t nominal = rate.nominal() > 0 ? rate.nominal() : 25;
  const std::int64_t total_minutes = 60LL * hours + minutes;
  std::int64_t n = (total_minutes * 60 + seconds) * nominal + frames;
  if (drop_frame)
    n -= dropped_per_minute(static_cast<int>(nominal)) * (total_minutes - total_minutes / 10);
  return n;
}

std::string timecode(std::int64_t frame, Rate rate, bool drop_frame) {
  const std::int64_t nominal = rate.nominal() > 0 ? rate.nominal() : 25;
  const std::int64_t drop = drop_frame ? dropped_per_minute(static_cast<int>(nominal)) : 0;
  drop_frame = drop > 0;
  // Timecode wraps at 24 hours.
  const std::int64_t per_minute = 60 * nominal - drop;
  const std::int64_t per_ten_minutes = 10 * per_minute + drop;
  const std::int64_t per_day = 144 * per_ten_minutes;
  frame %= per_day;
  if (frame < 0) frame += per_day;
  if (drop_frame) {
    // Count the frame numbers the drop-frame count skips (the first `drop` of every minute
    // but each tenth) back in, then read the result as a non-drop count.
    const std::int64_t tens = frame / per_ten_minutes;
    const std::int64_t rest = frame % per_ten_minutes;
    frame += 9 * drop * tens + (rest > drop ? drop * ((rest - drop) / per_minute) : 0);
  }
  const std::int64_t ff = frame % nominal;
  const std::int64_t total_s = frame / nominal;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld%c%02lld",
                static_cast<long long>(total_s / 3600 % 24),
                static_cast<long long>(total_s / 60 % 60), static_cast<long long>(total_s % 60),
                drop_frame ? ';' : ':', static_cast<long long>(ff));
  return buf;
}

// The products below stay far inside 64 bits for any real media (frames * 1001 * 120000).
std::int64_t frames_within(std::int64_t frames, Rate from, Rate to) {
  if (!from.valid() || !to.valid() || frames <= 0) return 0;
  return frames * from.den * to.num / (static_cast<std::int64_t>(from.num) * to.den);
}

std::int64_t source_out(const Event& e, Rate sequence) {
  return e.source_in + frames_within(e.length, sequence, e.media.rate);
}

bool within_media(const Event& e, Rate s) {
  const Rate r = e.media.rate;
  if (!r.valid() || !s.valid() || e.source_in < 0 || e.length < 0) return false;
  // source_in / r + length / s <= frames / r, multiplied by r.num * s.num (both positive).
  const std::int64_t unit = static_cast<std::int64_t>(s.num) * r.den;
  return e.source_in * unit + e.length * static_cast<std::int64_t>(s.den) * r.num <=
         e.media.frames * unit;
}

std::vector<std::string> reel_names(const std::vector<fs::path>& sources) {
  std::vector<std::string> out;
  std::set<std::string> used;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    std::string reel;
    for (char ch : sources[i].stem().string()) {
      unsigned char c = static_cast<unsigned char>(ch);
      if (c < 0x80 && std::isalnum(c))
        reel += static_cast<char>(std::toupper(c));
      else if (c == '_' || c == '-' || c == ' ' || c == '.')
        reel += '_';
      if (reel.size() == 8) break;
    }
    if (reel.empty()) reel = "CLIP";
    // The same source used twice keeps its reel; different sources get distinct reels.
    bool same_source = false;
    for (std::size_t j = 0; j < i; ++j)
      if (sources[j] == sources[i]) {
        reel = out[j];
        same_source = true;
        break;
      }
    if (!same_source && used.count(reel)) {
      for (int n = 1;; ++n) {
        std::string suffix = std::to_string(n);
        std::string candidate = reel.substr(0, 8 - suffix.size()) + suffix;
        if (!used.count(candidate)) {
          reel = candidate;
          break;
        }
      }
    }
    used.insert(reel);
    out.push_back(reel);
  }
  return out;
}

namespace {
void percent_byte(std::string& out, unsigned char c) {
  static const char* hex = "0123456789ABCDEF";
  out += '%';
  out += hex[c >> 4];
  out += hex[c & 15];
}
} // namespace

std::string ascii_escape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c > 0x7E || c == '%')
      percent_byte(out, c);
    else
      out += ch;
  }
  return out;
}

std::string file_url(const fs::path& path) {
  std::string url = "file://";
  for (char ch : fs::absolute(path).lexically_normal().string()) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if ((c < 0x80 && std::isalnum(c)) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~')
      url += ch;
    else
      percent_byte(url, c);
  }
  return url;
}

} // namespace shotchain::timeline
