// shotchain probe FILE [--json]: argument parsing and printing only; the work is
// codecs::probe (codecs/media_info.h).
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "codecs/media_info.h"
#include "common/error.h"

namespace shotchain::cli {
namespace {

std::string rate_text(codecs::Rational r) {
  if (r.num <= 0 || r.den <= 0) return "?";
  char buf[64];
  if (r.den == 1)
    std::snprintf(buf, sizeof buf, "%d", r.num);
  else
    std::snprintf(buf, sizeof buf, "%.3f (%d/%d)", r.to_double(), r.num, r.den);
  return buf;
}

void print_text(const codecs::MediaInfo& m) {
  std::printf("%s\n", m.path.c_str());
  std::printf("  container: %s%s\n",
              m.container_long.empty() ? m.container.c_str() : m.container_long.c_str(),
              m.is_image ? " (still image)" : "");
  std::printf("  duration: %.3f s  size: %lld bytes  bit rate: %lld b/s\n", m.duration,
              static_cast<long long>(m.size_bytes), static_cast<long long>(m.bit_rate));
  if (!m.timecode.empty()) std::printf("  timecode: %s\n", m.timecode.c_str());
  for (const auto& s : m.streams) {
    std::printf("  stream %d: %s %s", s.index, s.type.c_str(), s.codec.c_str());
    if (!s.profile.empty()) std::printf(" (%s)", s.profile.c_str());
    if (s.type == "video") {
      std::printf(" %dx%d", s.width, s.height);
      if (s.rotation)
        std::printf(" rotated %d -> %dx%d", s.rotation, s.display_width, s.display_height);
      std::printf(" %s, %s fps (real %s)%s, %lld frames\n", s.pixel_format.c_str(),
                  rate_text(s.average_frame_rate).c_str(), rate_text(s.real_frame_rate).c_str(),
                  s.variable_frame_rate ? " variable" : "", static_cast<long long>(s.frame_count));
      std::printf("    colour: primaries %s, transfer %s, matrix %s, range %s\n",
                  s.color_primaries.c_str(), s.color_transfer.c_str(), s.color_matrix.c_str(),
                  s.color_range.c_str());
    } else if (s.type == "audio") {
      std::printf(" %d Hz, %s (%d ch), %s\n", s.sample_rate, s.channel_layout.c_str(), s.channels,
                  s.sample_format.c_str());
    } else {
      std::printf("%s%s\n", s.timecode.empty() ? "" : " timecode ", s.timecode.c_str());
    }
  }
}

} // namespace

void add_probe_command(CLI::App& root, const GlobalOptions& global, Action& action) {
  auto file = std::make_shared<std::string>();
  auto json_flag = std::make_shared<bool>(false);
  auto* sub = root.add_subcommand("probe", "Describe a media file (streams, rates, colour)");
  sub->add_option("file", *file, "Media file")->required();
  sub->add_flag("--json", *json_flag, "Print one JSON object");
  sub->callback([file, json_flag, &global, &action] {
    const bool json = *json_flag || global.json;
    action = [file, json]() -> int {
      auto info = codecs::probe(*file);
      if (json)
        std::printf("%s\n", codecs::to_json(info).c_str());
      else
        print_text(info);
      return 0;
    };
  });
}

} // namespace shotchain::cli
