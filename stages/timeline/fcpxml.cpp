// The FCPXML 1.9 writer. Every distinct media format (frame duration, size, colour space) is
// one <format>, every file one <asset> in its own rate and timecode; the sequence has its own
// format. An asset-clip starts on a frame of its media (its own rate) and lasts its record
// length in sequence frames, placed at its record offset: what Final Cut reads exactly.
#include <sstream>
#include <tuple>

#include "stages/timeline/timeline.h"

namespace shotchain::timeline {
namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 has no control characters but tab and newlines.
        out += static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' ? ' ' : c;
    }
  }
  return out;
}

// `frames` frames at `rate` as an FCPXML time: "0s", "3600s", "1001/30000s".
std::string fcp_time(std::int64_t frames, Rate rate) {
  if (frames == 0) return "0s";
  const std::int64_t num = frames * rate.den;
  if (num % rate.num == 0) return std::to_string(num / rate.num) + "s";
  return std::to_string(num) + "/" + std::to_string(rate.num) + "s";
}

// ISO/IEC 23001-8 colour codes as FCPXML writes them: "1-1-1 (Rec. 709)"; "" when unknown.
std::string colour_space(int primaries, int transfer, int matrix) {
  auto unknown = [](int code) { return code <= 0 || code == 2; };
  if (unknown(primaries) || unknown(transfer) || unknown(matrix)) return "";
  const std::string codes =
      std::to_string(primaries) + "-" + std::to_string(transfer) + "-" + std::to_string(matrix);
  static const std::pair<const char*, const char*> kNamed[] = {
      {"1-1-1", "Rec. 709"},          {"6-1-6", "Rec. 601 (NTSC)"}, {"5-1-6", "Rec. 601 (PAL)"},
      {"9-1-9", "Rec. 2020"},         {"9-16-9", "Rec. 2020 PQ"},   {"9-18-9", "Rec. 2020 HLG"},
      {"1-13-1", "sRGB IEC61966-2.1"}};
  for (const auto& [c, name] : kNamed)
    if (codes == c) return codes + " (" + name + ")";
  return codes;
}

// The DTD's names for the sequence audio rates it knows (nullptr for any other rate).
const char* audio_hz(int rate) {
  static const std::pair<int, const char*> kRates[] = {
      {32000, "32k"}, {44100, "44.1k"},   {48000, "48k"},  {88200, "88.2k"},
      {96000, "96k"}, {176400, "176.4k"}, {192000, "192k"}};
  for (const auto& [hz, name] : kRates)
    if (hz == rate) return name;
  return nullptr;
}

struct Format {
  Rate rate;
  int width = 0, height = 0;
  std::string colour;
  auto key() const { return std::make_tuple(rate.num, rate.den, width, height, colour); }
};

void write_format(std::ostringstream& x, const std::string& id, const Format& f) {
  x << "    <format id=\"" << id << "\" frameDuration=\"" << fcp_time(1, f.rate) << "\" width=\""
    << f.width << "\" height=\"" << f.height << "\"";
  if (!f.colour.empty()) x << " colorSpace=\"" << f.colour << "\"";
  x << "/>\n";
}

Format format_of(const Media& m) {
  return {m.rate, m.width, m.height,
          colour_space(m.colour_primaries, m.colour_transfer, m.colour_matrix)};
}

// Ids: r1 the sequence's format, then the media formats, then one asset per file.
struct Resources {
  std::vector<Format> formats;               // [0] is the sequence's
  std::vector<std::size_t> event_format;     // per event: index into formats
  std::vector<std::filesystem::path> assets; // distinct files, first use first
  std::vector<std::size_t> event_asset;      // per event: index into assets
  std::string format_id(std::size_t i) const { return "r" + std::to_string(i + 1); }
  std::string asset_id(std::size_t i) const { return "r" + std::to_string(formats.size() + i + 1); }
};

Resources resources_of(const Sequence& seq) {
  Resources res;
  res.formats.push_back(
      {seq.rate, seq.width, seq.height,
       colour_space(seq.colour_primaries, seq.colour_transfer, seq.colour_matrix)});
  for (const auto& e : seq.events) {
    const Format f = format_of(e.media);
    std::size_t i = 1;
    while (i < res.formats.size() && res.formats[i].key() != f.key()) ++i;
    if (i == res.formats.size()) res.formats.push_back(f);
    res.event_format.push_back(i);
    std::size_t a = 0;
    while (a < res.assets.size() && res.assets[a] != e.media.path) ++a;
    if (a == res.assets.size()) res.assets.push_back(e.media.path);
    res.event_asset.push_back(a);
  }
  return res;
}

void write_asset(std::ostringstream& x, const std::string& id, const std::string& format_id,
                 const Media& m) {
  x << "    <asset id=\"" << id << "\" name=\"" << xml_escape(m.path.stem().string())
    << "\" start=\"" << fcp_time(m.start, m.rate) << "\" duration=\"" << fcp_time(m.frames, m.rate)
    << "\" hasVideo=\"" << (m.has_video ? 1 : 0) << "\" format=\"" << format_id << "\"";
  if (m.has_video) x << " videoSources=\"1\"";
  x << " hasAudio=\"" << (m.has_audio ? 1 : 0) << "\"";
  if (m.has_audio)
    x << " audioSources=\"1\" audioChannels=\"" << m.audio_channels << "\" audioRate=\""
      << m.audio_rate << "\"";
  x << ">\n      <media-rep kind=\"original-media\" src=\"" << xml_escape(file_url(m.path))
    << "\"/>\n    </asset>\n";
}

void write_clip(std::ostringstream& x, const Event& e, const std::string& asset_id,
                const std::string& format_id, std::int64_t record, Rate sequence) {
  const Media& m = e.media;
  x << "            <asset-clip ref=\"" << asset_id << "\" name=\"" << xml_escape(e.name)
    << "\" offset=\"" << fcp_time(record, sequence) << "\" start=\""
    << fcp_time(m.start + e.source_in, m.rate) << "\" duration=\"" << fcp_time(e.length, sequence)
    << "\" format=\"" << format_id << "\" tcFormat=\"" << (m.drop_frame ? "DF" : "NDF") << "\"";
  if (e.metadata.empty()) {
    x << "/>\n";
    return;
  }
  x << ">\n              <metadata>\n";
  for (const auto& [k, v] : e.metadata)
    x << "                <md key=\"com.shotchain." << xml_escape(k) << "\" value=\""
      << xml_escape(v) << "\"/>\n";
  x << "              </metadata>\n            </asset-clip>\n";
}

} // namespace

std::string to_fcpxml(const Sequence& seq) {
  const Resources res = resources_of(seq);
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE fcpxml>\n"
    << "<fcpxml version=\"1.9\">\n  <resources>\n";
  for (std::size_t i = 0; i < res.formats.size(); ++i)
    write_format(x, res.format_id(i), res.formats[i]);
  for (std::size_t a = 0; a < res.assets.size(); ++a) {
    std::size_t first = 0;
    while (res.event_asset[first] != a) ++first;
    write_asset(x, res.asset_id(a), res.format_id(res.event_format[first]),
                seq.events[first].media);
  }
  x << "  </resources>\n  <library>\n    <event name=\"shotchain\">\n"
    << "      <project name=\"" << xml_escape(seq.name) << "\">\n"
    << "        <sequence format=\"" << res.format_id(0) << "\" duration=\""
    << fcp_time(seq.frames(), seq.rate) << "\" tcStart=\"" << fcp_time(seq.start(), seq.rate)
    << "\" tcFormat=\"" << (seq.rate.drop_frame() ? "DF" : "NDF") << "\"";
  if (seq.has_audio) {
    x << " audioLayout=\"stereo\"";
    if (const char* hz = audio_hz(seq.audio_rate)) x << " audioRate=\"" << hz << "\"";
  }
  x << ">\n          <spine>\n";
  std::int64_t record = seq.start();
  for (std::size_t i = 0; i < seq.events.size(); ++i) {
    write_clip(x, seq.events[i], res.asset_id(res.event_asset[i]),
               res.format_id(res.event_format[i]), record, seq.rate);
    record += seq.events[i].length;
  }
  x << "          </spine>\n        </sequence>\n      </project>\n    </event>\n"
    << "  </library>\n</fcpxml>\n";
  return x.str();
}

} // namespace shotchain::timeline
