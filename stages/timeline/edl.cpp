// The CMX3600 EDL writer. Record timecode counts at the sequence's rate (drop-frame at 29.97
// and 59.94, said in the FCM line); source timecode counts at each media's own rate and
// timecode, as the media's timecode track reads, so readers that treat record durations as
// authoritative (OpenTimelineIO, Resolve, Premiere) find the frames in the file. Each event
// carries the comments the common readers link media from: FROM CLIP NAME, FROM CLIP (a
// file:// URL) and SOURCE FILE. Comments are 7-bit ASCII: see ascii_escape.
#include <cstdio>
#include <sstream>

#include "stages/timeline/timeline.h"

namespace shotchain::timeline {
namespace {

// The channels of an event: video, plus its audio when the sequence carries audio.
const char* channels(const Media& m, bool sequence_audio) {
  if (!sequence_audio || !m.has_audio) return "V";
  return m.audio_channels == 1 ? "B" : "AA/V";
}

} // namespace

std::string to_edl(const Sequence& seq) {
  std::ostringstream x;
  x << "TITLE: " << ascii_escape(seq.name)
    << "\nFCM: " << (seq.rate.drop_frame() ? "DROP FRAME" : "NON-DROP FRAME") << "\n\n";
  std::vector<std::filesystem::path> sources;
  for (const auto& e : seq.events) sources.push_back(e.media.path);
  const auto reels = reel_names(sources);
  std::int64_t record = seq.start();
  for (std::size_t i = 0; i < seq.events.size(); ++i) {
    const Event& e = seq.events[i];
    const Media& m = e.media;
    char line[160];
    std::snprintf(line, sizeof line, "%03zu  %-8s %-5s C        %s %s %s %s\n", (i + 1) % 1000,
                  reels[i].c_str(), channels(m, seq.has_audio),
                  timecode(m.start + e.source_in, m.rate, m.drop_frame).c_str(),
                  timecode(m.start + source_out(e, seq.rate), m.rate, m.drop_frame).c_str(),
                  timecode(record, seq.rate).c_str(),
                  timecode(record + e.length, seq.rate).c_str());
    x << line;
    x << "* FROM CLIP NAME: " << ascii_escape(e.name) << "\n";
    x << "* FROM CLIP: " << file_url(m.path) << "\n";
    x << "* SOURCE FILE: "
      << ascii_escape(std::filesystem::absolute(m.path).lexically_normal().string()) << "\n\n";
    record += e.length;
  }
  return x.str();
}

} // namespace shotchain::timeline
