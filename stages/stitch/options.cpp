// Parsing of the stitch options shared by the command line and the job spec.
#include <optional>
#include <string>

#include "common/error.h"
#include "stages/stitch/stitch.h"

namespace shotchain::stitch {
namespace {

[[noreturn]] void bad(const std::string& what, const std::string& text, const std::string& why) {
  throw Error(Failure::bad_input, what + ": '" + text + "': " + why);
}

} // namespace

namespace {

// The encoder behind each codec choice that encodes (automatic and copy have none).
constexpr struct {
  Codec codec;
  codecs::VideoCodec encoder;
} kEncoders[] = {{Codec::h264, codecs::VideoCodec::h264},
                 {Codec::prores, codecs::VideoCodec::prores},
                 {Codec::prores_hq, codecs::VideoCodec::prores_hq},
                 {Codec::prores_4444, codecs::VideoCodec::prores_4444}};

} // namespace

std::optional<codecs::VideoCodec> encoder_of(Codec codec) {
  for (const auto& e : kEncoders)
    if (e.codec == codec) return e.encoder;
  return std::nullopt;
}

Codec parse_codec(const std::string& text, const std::string& what) {
  if (text == "auto") return Codec::automatic;
  if (text == "copy") return Codec::copy;
  if (auto encoder = codecs::parse_video_codec(text))
    for (const auto& e : kEncoders)
      if (e.encoder == *encoder) return e.codec;
  bad(what, text, "expected auto, copy, h264, prores, prores_hq or prores_4444");
}

Fit parse_fit(const std::string& text, const std::string& what) {
  if (auto fit = codecs::parse_fit(text)) return *fit;
  bad(what, text, "expected pad, crop or stretch");
}

Rational parse_fps(const std::string& text, const std::string& what) {
  auto rate = codecs::parse_rate(text);
  if (!rate) bad(what, text, "expected a rate such as 25, 29.97 or 30000/1001");
  if (rate->to_double() > 240.0 || rate->to_double() < 1.0)
    bad(what, text, "rate must be between 1 and 240 frames per second");
  return *rate;
}

Size parse_size(const std::string& text, const std::string& what) {
  auto size = codecs::parse_size(text);
  if (!size) bad(what, text, "expected WxH, e.g. 1366x768");
  if (size->width < 16 || size->height < 16 || size->width > 8192 || size->height > 8192)
    bad(what, text, "each side must be 16..8192");
  if (size->width % 2 != 0 || size->height % 2 != 0)
    bad(what, text, "width and height must be even");
  return *size;
}

Timelines parse_timelines(const std::string& text, const std::string& what) {
  Timelines t;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item == "otio")
      t.otio = true;
    else if (item == "fcpxml")
      t.fcpxml = true;
    else if (item == "edl")
      t.edl = true;
    else
      bad(what, text, "expected a comma-separated list of otio, fcpxml, edl");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return t;
}

const char* to_string(Codec codec) {
  if (codec == Codec::automatic) return "auto";
  if (codec == Codec::copy) return "copy";
  return codecs::to_string(*encoder_of(codec));
}

} // namespace shotchain::stitch
