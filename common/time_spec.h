#pragma once
// The one TIME grammar of shotchain, used by every command flag, the job spec and
// `scenes --min-scene-len`:
//   seconds           12.5        (digits, optional .fraction of up to 9 digits)
//   MM:SS(.fff)       01:30       (SS two digits, < 60)
//   HH:MM:SS(.fff)    00:01:12.480
//   timecode          HH:MM:SS:FF (';' before FF for drop-frame), frames at the source's rate
// Parsed here and nowhere else (common/ has no dependencies, so cli, pipeline and stages all
// reach it).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shotchain {

struct TimeSpec {
  int64_t microseconds = 0; // the time without the frames part
  int frames = -1;          // >= 0 for a timecode
  std::string text;         // as given, for messages

  // The time in seconds once the source's frame rate is known (num/den frames per second).
  double seconds_at(int rate_num, int rate_den) const;
};

// nullopt when `text` is not a valid TIME.
std::optional<TimeSpec> parse_time(std::string_view text);

// The grammar in one line, for error messages.
inline constexpr const char* kTimeGrammar =
    "seconds (12.5), MM:SS(.mmm), HH:MM:SS(.mmm) or "
    "timecode HH:MM:SS:FF";

} // namespace shotchain
