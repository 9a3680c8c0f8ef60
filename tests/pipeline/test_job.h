#pragma once
// Shared by the pipeline tests: small inputs made with the ffmpeg CLI and a small job spec.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/support/child.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

namespace shotchain::test {

// ref.png (480x320) and src.mp4 (480x320, 2 s, 25 fps) in `dir`.
inline void make_job_inputs(const std::filesystem::path& dir) {
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=480x320:rate=1", "-frames:v", "1",
          (dir / "ref.png").string()});
  ffmpeg({"-f", "lavfi", "-i", "testsrc=size=480x320:rate=25:duration=2", "-c:v", "libx264",
          "-preset", "ultrafast", "-pix_fmt", "yuv420p", (dir / "src.mp4").string()});
}

// Three shots: "a" (image, 2 chained segments), "b" (from a's last frame, right after it),
// "c" (a video frame at 1 s). 4 generations; 299 + 150 - 1 + 150 = 598 frames.
inline std::string job_text(const std::string& prompt_a = "pan over the test card",
                            const std::string& prompt_c = "the clock ticks") {
  return R"({
  "output": { "path": "out/seq.mp4", "codec": "h264", "timeline": ["otio", "edl"],
              "contact_sheet": false },
  "shots": [
    { "id": "a", "reference": { "image": "ref.png" }, "prompt": ")" +
         prompt_a + R"(", "segments": 2 },
    { "id": "b", "reference": { "shot": "a" }, "prompt": "then it drifts on" },
    { "id": "c", "reference": { "video": "src.mp4", "at": "1.0" }, "prompt": ")" +
         prompt_c + R"(" }
  ]
})";
}

// Two one-segment shots: "a" (image) and "b" (from a's last frame). 2 generations.
inline std::string small_job_text() {
  return R"({
  "output": { "path": "out/seq.mp4", "codec": "h264", "timeline": ["otio"], "qc": false,
              "contact_sheet": false },
  "shots": [
    { "id": "a", "reference": { "image": "ref.png" }, "prompt": "pan over the test card" },
    { "id": "b", "reference": { "shot": "a" }, "prompt": "then it drifts on" }
  ]
})";
}

inline std::filesystem::path write_job(const std::filesystem::path& dir, const std::string& text) {
  auto p = dir / "job.json";
  std::ofstream(p) << text;
  return p;
}

// A number from the final {"event":"done",...} line of --json output (-1 when absent).
inline int json_field(const std::string& out, const std::string& name) {
  auto done = out.find("{\"event\":\"done\"");
  if (done == std::string::npos) return -1;
  std::string key = "\"" + name + "\":";
  auto at = out.find(key, done);
  if (at == std::string::npos) return -1;
  return std::atoi(out.c_str() + at + key.size());
}

} // namespace shotchain::test
