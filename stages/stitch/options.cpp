// Parsing of the stitch options shared by the command line and the job spec.
#include <charconv>
#include <cmath>
#include <string>

#include "common/error.h"
#include "stages/stitch/stitch.h"

namespace shotchain::stitch {
namespace {

[[noreturn]] void bad(const std::string& what, const std::string& text, const std::string& why) {
  throw Error(Failure::bad_input, what + ": '" + text + "': " + why);
}

bool parse_int(std::string_view s, long long& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

} // namespace

Codec parse_codec(const std::string& text, const std::string& what) {
  if (text == "auto") return Codec::automatic;
  if (text == "copy") return Codec::copy;
  if (text == "h264") return Codec::h264;
  if (text == "prores") return Codec::prores;
  if (text == "prores_hq") return Codec::prores_hq;
  if (text == "prores_4444") return Codec::prores_4444;
  bad(what, text, "expected auto, copy, h264, prores, prores_hq or prores_4444");
}

Fit parse_fit(const std::string& text, const std::string& what) {
  if (text == "pad") return Fit::pad;
  if (text == "crop") return Fit::crop;
  if (text == "stretch") return Fit::stretch;
  bad(what, text, "expected pad, crop or stretch");
}

Rational parse_fps(const std::string& text, const std::string& what) {
  long long num = 0, den = 1;
  if (auto slash = text.find('/'); slash != std::string::npos) {
    if (!parse_int(std::string_view(text).substr(0, slash), num) ||
        !parse_int(std::string_view(text).substr(slash + 1), den))
      bad(what, text, "expected a rate such as 25, 29.97 or 30000/1001");
  } else if (text == "23.976" || text == "23.98") {
    num = 24000, den = 1001;
  } else if (text == "29.97") {
    num = 30000, den = 1001;
  } else if (text == "59.94") {
    num = 60000, den = 1001;
  } else if (!parse_int(text, num)) {
    bad(what, text, "expected a rate such as 25, 29.97 or 30000/1001");
  }
  if (num <= 0 || den <= 0 || num > 240000 || den > 100000 ||
      static_cast<double>(num) / static_cast<double>(den) > 240.0 ||
      static_cast<double>(num) / static_cast<double>(den) < 1.0)
    bad(what, text, "rate must be between 1 and 240 frames per second");
  return Rational{static_cast<int>(num), static_cast<int>(den)};
}

Size parse_size(const std::string& text, const std::string& what) {
  auto x = text.find_first_of("xX");
  long long w = 0, h = 0;
  if (x == std::string::npos || !parse_int(std::string_view(text).substr(0, x), w) ||
      !parse_int(std::string_view(text).substr(x + 1), h))
    bad(what, text, "expected WxH, e.g. 1366x768");
  if (w < 16 || h < 16 || w > 8192 || h > 8192) bad(what, text, "each side must be 16..8192");
  if (w % 2 != 0 || h % 2 != 0) bad(what, text, "width and height must be even");
  return Size{static_cast<int>(w), static_cast<int>(h)};
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
  switch (codec) {
    case Codec::automatic:
      return "auto";
    case Codec::copy:
      return "copy";
    case Codec::h264:
      return "h264";
    case Codec::prores:
      return "prores";
    case Codec::prores_hq:
      return "prores_hq";
    case Codec::prores_4444:
      return "prores_4444";
  }
  return "?";
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
  return "?";
}

} // namespace shotchain::stitch
