#include "codecs/types.h"

extern "C" {
#include <libavutil/mathematics.h>
#include <libavutil/parseutils.h>
#include <libavutil/timecode.h>
}

#include <cctype>
#include <charconv>
#include <string>

namespace shotchain::codecs {

std::optional<Rational> parse_rate(std::string_view text) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  std::string s(text);
  for (char c : s)
    if (!(c == '.' || c == '/' || c == ':' || (c >= '0' && c <= '9'))) return std::nullopt;
  // The NTSC rates written as decimals mean the exact x/1001 rates (as editors and NLEs use
  // them); av_parse_video_rate would give 2997/100 for "29.97".
  static const struct {
    const char* text;
    Rational rate;
  } kNtsc[] = {{"23.976", {24000, 1001}}, {"23.98", {24000, 1001}}, {"29.97", {30000, 1001}},
               {"47.952", {48000, 1001}}, {"59.94", {60000, 1001}}, {"119.88", {120000, 1001}}};
  for (const auto& n : kNtsc)
    if (s == n.text) return n.rate;
  AVRational r{0, 1};
  if (av_parse_video_rate(&r, s.c_str()) < 0 || r.num <= 0 || r.den <= 0) return std::nullopt;
  if (r.num / r.den > 1000) return std::nullopt;
  return Rational{r.num, r.den};
}

std::optional<Fit> parse_fit(std::string_view text) {
  if (text == "pad") return Fit::pad;
  if (text == "crop") return Fit::crop;
  if (text == "stretch") return Fit::stretch;
  return std::nullopt;
}

const char* to_string(Fit fit) {
  switch (fit) {
    case Fit::pad:
      return "pad";
    case Fit::crop:
      return "crop";
    case Fit::stretch:
      return "stretch";
  }
  return "pad";
}

std::optional<VideoCodec> parse_video_codec(std::string_view text) {
  if (text == "h264") return VideoCodec::h264;
  if (text == "prores") return VideoCodec::prores;
  if (text == "prores_hq") return VideoCodec::prores_hq;
  if (text == "prores_4444") return VideoCodec::prores_4444;
  return std::nullopt;
}

const char* to_string(VideoCodec codec) {
  switch (codec) {
    case VideoCodec::h264:
      return "h264";
    case VideoCodec::prores:
      return "prores";
    case VideoCodec::prores_hq:
      return "prores_hq";
    case VideoCodec::prores_4444:
      return "prores_4444";
  }
  return "h264";
}

std::optional<Container> container_for_path(std::string_view path) {
  auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string ext(path.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "mov") return Container::mov;
  if (ext == "mp4" || ext == "m4v") return Container::mp4;
  return std::nullopt;
}

std::optional<Size> parse_size(std::string_view text) {
  auto x = text.find('x');
  if (x == std::string_view::npos) return std::nullopt;
  Size s;
  auto a = text.substr(0, x), b = text.substr(x + 1);
  auto r1 = std::from_chars(a.data(), a.data() + a.size(), s.width);
  auto r2 = std::from_chars(b.data(), b.data() + b.size(), s.height);
  if (r1.ec != std::errc{} || r1.ptr != a.data() + a.size() || r2.ec != std::errc{} ||
      r2.ptr != b.data() + b.size())
    return std::nullopt;
  if (s.width <= 0 || s.height <= 0 || s.width > 16384 || s.height > 16384) return std::nullopt;
  return s;
}

std::optional<int64_t> timecode_frame(std::string_view timecode, Rational rate) {
  if (!rate.valid() || timecode.empty() || timecode.size() > 32) return std::nullopt;
  const std::string text(timecode);
  AVTimecode tc{};
  if (av_timecode_init_from_string(&tc, AVRational{rate.num, rate.den}, text.c_str(), nullptr) < 0)
    return std::nullopt;
  return tc.start;
}

int64_t rescale(int64_t value, Rational from, Rational to) {
  if (value == kNoTimestamp) return kNoTimestamp;
  return av_rescale_q(value, AVRational{from.num, from.den}, AVRational{to.num, to.den});
}

} // namespace shotchain::codecs
