// Pre-flight: every local check of every shot before anything is spent (reference files,
// video reference frames extracted and checked, every segment's request against the
// backend's rules).
#include <cstdio>

#include "common/sha256.h"
#include "pipeline/run_context.h"
#include "stages/frame_extract.h"

namespace shotchain::pipeline {
namespace fs = std::filesystem;

namespace {

stages::FrameRequest frame_request(const ShotSpec& s) {
  const auto& ref = s.reference;
  stages::FrameRequest fr;
  auto time = [&](const std::string& t) {
    auto ts = stages::parse_time(t);
    if (!ts)
      throw Error(Failure::bad_input,
                  quoted_shot(s.id) + ": reference time \"" + t + "\" is not a time");
    return *ts;
  };
  switch (ref.pick) {
    case ReferenceSpec::Pick::at:
      fr.kind = stages::FrameRequest::Kind::at;
      fr.time = time(ref.time);
      break;
    case ReferenceSpec::Pick::frame:
      fr.kind = stages::FrameRequest::Kind::index;
      fr.index = ref.frame;
      break;
    case ReferenceSpec::Pick::first:
      fr.kind = stages::FrameRequest::Kind::first;
      break;
    case ReferenceSpec::Pick::last:
      fr.kind = stages::FrameRequest::Kind::last;
      break;
    case ReferenceSpec::Pick::best_near:
      fr.kind = stages::FrameRequest::Kind::best_near;
      fr.time = time(ref.time);
      fr.window = ref.window;
      break;
    case ReferenceSpec::Pick::none:
      break;
  }
  return fr;
}

} // namespace

GenerationRequest request_for(const ShotSpec& s, int segment) {
  GenerationRequest r;
  r.shot_id = s.id;
  r.segment = segment;
  r.segments = s.segments;
  r.model = s.model;
  r.prompt = s.prompt;
  r.duration = s.duration;
  r.prompt_expansion = s.prompt_expansion;
  if (s.end_image && segment == s.segments - 1) r.end_image = *s.end_image;
  return r;
}

// Video references are extracted into `folder_for(shot)` (the state folder, or a scratch
// folder for a dry run), so that their frame is checked too.
void preflight(RunContext& rc, const std::function<fs::path(const std::string&)>& folder_for) {
  for (const auto& s : rc.job.shots) {
    rc.cancel->throw_if_requested("pre-flight");
    ShotState& st = rc.shots[s.id];
    const auto& ref = s.reference;
    GenerationRequest req = request_for(s, 0);
    try {
      if (ref.kind == ReferenceSpec::Kind::image) {
        if (!fs::is_regular_file(ref.path))
          throw Error(Failure::bad_input, quoted_shot(s.id) + ": reference image " +
                                              ref.path.string() + ": no such file");
        st.first_reference = {ref.path, sha256_file(ref.path), ""};
      } else if (ref.kind == ReferenceSpec::Kind::video) {
        if (!fs::is_regular_file(ref.path))
          throw Error(Failure::bad_input, quoted_shot(s.id) + ": reference video " +
                                              ref.path.string() + ": no such file");
        fs::path png = folder_for(s.id) / "reference.png";
        auto got = stages::extract_frame_to_image(ref.path, frame_request(s), png);
        char t[32];
        std::snprintf(t, sizeof t, "%.3f", got.seconds);
        st.first_reference = {png, sha256_file(png), t};
        rc.event(ProgressEvent::Kind::log, s.id, "reference",
                 "reference: " + ref.describe() + " -> frame at " + t + " s");
      }
      req.reference_image = st.first_reference.file;
      rc.opt.backend->preflight(req);
      for (int k = 1; k < s.segments; ++k) {
        GenerationRequest later = request_for(s, k);
        rc.opt.backend->preflight(later);
      }
    } catch (const Error& e) {
      if (e.failure() != Failure::bad_input) throw;
      std::string what = e.what();
      if (what.find(quoted_shot(s.id)) == std::string::npos) what = quoted_shot(s.id) + ": " + what;
      throw Error(Failure::bad_input, what);
    }
  }
  rc.event(ProgressEvent::Kind::log, "", "preflight",
           "pre-flight: " + std::to_string(rc.job.shots.size()) + " shots checked");
}

} // namespace shotchain::pipeline
