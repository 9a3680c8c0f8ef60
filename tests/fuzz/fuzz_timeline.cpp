// The timeline writers (OTIO, FCPXML, CMX3600 EDL) with names, paths and provenance of any
// bytes (shot ids, prompts and file names come from specs and footage): never a crash, and
// the OTIO text is always JSON that the project's own reader accepts.
#include <cstddef>
#include <cstdint>
#include <string>

#include <rapidjson/document.h>

#include "common/json_read.h"
#include "stages/timeline/timeline.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shotchain;
  fuzz::Steer in(std::string_view(reinterpret_cast<const char*>(data), size));
  timeline::Sequence seq;
  static const timeline::Rate rates[] = {{25, 1}, {24, 1}, {30000, 1001}, {60, 1}, {24000, 1001}};
  seq.fps = rates[in.byte() % 5];
  seq.width = 16 + 2 * static_cast<int>(in.byte());
  seq.height = 16 + 2 * static_cast<int>(in.byte());
  seq.has_audio = in.byte() & 1;
  seq.start_frame = static_cast<std::int64_t>(in.byte()) * 1000 - 1;
  seq.name = in.text(200);
  unsigned clips = in.byte() % 8;
  for (unsigned i = 0; i < clips && !in.rest().empty(); ++i) {
    timeline::Entry e;
    e.name = in.text(200);
    e.source = "/footage/" + in.text(200);
    e.available = 1 + in.byte() * 3;
    e.source_in = in.byte() % 2;
    e.source_out = e.source_in + 1 + in.byte() % e.available;
    e.has_audio = in.byte() & 1;
    e.source_start = static_cast<std::int64_t>(in.byte()) * 25;
    unsigned fields = in.byte() % 4;
    for (unsigned f = 0; f < fields; ++f) {
      std::string key = in.text(40);
      e.metadata[key] = in.text(200);
    }
    seq.clips.push_back(std::move(e));
  }
  std::string otio = timeline::to_otio(seq);
  rapidjson::Document doc;
  fuzz::require(static_cast<bool>(json::parse(doc, otio)), "OTIO output is JSON");
  (void)timeline::to_fcpxml(seq);
  (void)timeline::to_edl(seq);
  (void)timeline::reel_names(seq.clips);
  return 0;
}
