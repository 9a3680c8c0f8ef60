#pragma once
// Plain value types the codecs layer shares with stages/ (no FFmpeg types).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shotchain::codecs {

// A rational number (a time base or a frame rate); den > 0 when valid.
struct Rational {
  int num = 0;
  int den = 1;
  bool valid() const { return num > 0 && den > 0; }
  double to_double() const { return den ? static_cast<double>(num) / den : 0.0; }
  Rational inverse() const { return {den, num}; }
  std::string to_string() const { return std::to_string(num) + "/" + std::to_string(den); }
  friend bool operator==(const Rational&, const Rational&) = default;
};

// Parses "25", "29.97", "30000/1001", "24000:1001"; nullopt when not a positive rate.
std::optional<Rational> parse_rate(std::string_view text);

// How a picture is fitted into a different frame shape.
enum class Fit { pad, crop, stretch };
std::optional<Fit> parse_fit(std::string_view text);
const char* to_string(Fit fit);

enum class VideoCodec { h264, prores, prores_hq, prores_4444 };
std::optional<VideoCodec> parse_video_codec(std::string_view text);
const char* to_string(VideoCodec codec);
inline bool is_prores(VideoCodec c) { return c != VideoCodec::h264; }

enum class AudioCodec { pcm_s16le, aac };

// Container chosen by the file name's extension (.mov, .mp4; .m4v counts as mp4).
enum class Container { mov, mp4 };
std::optional<Container> container_for_path(std::string_view path);

// "WxH" (both positive, at most 16384); nullopt otherwise.
struct Size {
  int width = 0;
  int height = 0;
  friend bool operator==(const Size&, const Size&) = default;
};
std::optional<Size> parse_size(std::string_view text);

// The frame number a start timecode ("HH:MM:SS:FF", or "HH:MM:SS;FF" drop-frame) stands for
// at `rate` (e.g. "01:00:00:00" at 25 fps is 90000); nullopt when it does not parse.
std::optional<int64_t> timecode_frame(std::string_view timecode, Rational rate);

// Rescales `value` from time base `from` to `to` with rounding to nearest (av_rescale_q).
int64_t rescale(int64_t value, Rational from, Rational to);

// The sentinel for "no timestamp" (AV_NOPTS_VALUE).
inline constexpr int64_t kNoTimestamp = INT64_MIN;

} // namespace shotchain::codecs
