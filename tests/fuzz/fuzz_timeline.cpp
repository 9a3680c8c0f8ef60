// The timeline writers (OTIO, FCPXML, CMX3600 EDL) with names, paths and provenance of any
// bytes (shot ids, prompts and file names come from specs and footage) and media at any rate:
// never a crash; the OTIO text is always JSON the project's own reader accepts; an event built
// with frames_within lies within its media; EDL comments and file URLs are plain ASCII.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include <rapidjson/document.h>

#include "common/json_read.h"
#include "stages/timeline/timeline.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace shotchain;

timeline::Rate rate_of(unsigned b) {
  static const timeline::Rate rates[] = {{25, 1},       {24, 1},  {30000, 1001},
                                         {24000, 1001}, {50, 1},  {60000, 1001},
                                         {2997, 100},   {120, 1}, {1, 1}};
  return rates[b % (sizeof rates / sizeof rates[0])];
}

bool printable_ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Steer in(std::string_view(reinterpret_cast<const char*>(data), size));
  timeline::Sequence seq;
  seq.rate = rate_of(in.byte());
  seq.width = 16 + 2 * static_cast<int>(in.byte());
  seq.height = 16 + 2 * static_cast<int>(in.byte());
  seq.has_audio = in.byte() & 1;
  seq.start_frame = static_cast<std::int64_t>(in.byte()) * 1000 - 1;
  seq.name = in.text(200);
  unsigned events = in.byte() % 8;
  for (unsigned i = 0; i < events && !in.rest().empty(); ++i) {
    timeline::Event e;
    e.name = in.text(200);
    e.media.path = "/footage/" + in.text(200);
    e.media.rate = rate_of(in.byte());
    e.media.start = static_cast<std::int64_t>(in.byte()) * 25;
    e.media.drop_frame = e.media.rate.drop_frame() && (in.byte() & 1);
    e.media.frames = 1 + static_cast<std::int64_t>(in.byte()) * 3;
    e.media.width = seq.width;
    e.media.height = seq.height;
    e.media.colour_primaries = static_cast<int>(in.byte() % 12);
    e.media.colour_transfer = static_cast<int>(in.byte() % 19);
    e.media.colour_matrix = static_cast<int>(in.byte() % 15);
    e.media.has_audio = in.byte() & 1;
    e.media.audio_channels = e.media.has_audio ? 2 : 0;
    e.media.audio_rate = e.media.has_audio ? 48000 : 0;
    e.source_in = in.byte() % e.media.frames;
    std::int64_t fits =
        timeline::frames_within(e.media.frames - e.source_in, e.media.rate, seq.rate);
    if (fits <= 0) continue;
    e.length = 1 + in.byte() % fits;
    fuzz::require(timeline::within_media(e, seq.rate), "frames_within keeps an event in its media");
    unsigned fields = in.byte() % 4;
    for (unsigned f = 0; f < fields; ++f) {
      std::string key = in.text(40);
      e.metadata[key] = in.text(200);
    }
    fuzz::require(printable_ascii(timeline::ascii_escape(e.name)), "EDL comments are ASCII");
    fuzz::require(printable_ascii(timeline::file_url(e.media.path)), "file URLs are ASCII");
    seq.events.push_back(std::move(e));
  }
  std::string otio = timeline::to_otio(seq);
  rapidjson::Document doc;
  fuzz::require(static_cast<bool>(json::parse(doc, otio)), "OTIO output is JSON");
  (void)timeline::to_fcpxml(seq);
  (void)timeline::to_edl(seq);
  std::vector<std::filesystem::path> sources;
  for (const auto& e : seq.events) sources.push_back(e.media.path);
  (void)timeline::reel_names(sources);
  return 0;
}
