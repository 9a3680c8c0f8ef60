#pragma once
// Verifies a downloaded clip before it is renamed into place: it opens with the codecs layer,
// has a video stream, and decodes. Its rate, frame count and size are measured and recorded:
// a paid clip is never thrown away for them (assembly conforms rate and size); only a file
// that does not decode is refused.
#include <filesystem>
#include <functional>
#include <string>

#include "stages/stage.h"

namespace shotchain::codecs {
class Frame;
}

namespace shotchain::stages {

using shotchain::ClipCheck;

// What a clip's decoded pictures show, fed one at a time: count, rate (from the first and last
// timestamps), size. One measure for verify_clip and for the pipeline's verify-by-encoding.
class ClipMeasure {
 public:
  void add(const codecs::Frame& decoded);
  // Throws Error(runtime) naming `shown` when no picture was added.
  ClipCheck result(int expected_frames, const std::string& shown) const;

 private:
  int frames_ = 0, width_ = 0, height_ = 0;
  double first_ = 0, last_ = 0;
  bool timed_ = false;
};

// "" when `frames` is within one of `expected_frames` (0: 150 or 250) and `fps` is 25 (or
// unmeasured); else e.g. "24.000 fps, 145 frames (expected 25 fps, 150 frames): kept as
// delivered, conformed in assembly".
std::string clip_difference(int frames, double fps, int expected_frames);

// `expected_frames` 0 accepts 150 or 250 (a 6 s or 10 s clip). Throws Error(runtime) naming
// the file (`shown`) when the clip does not decode or has no frames.
// With `last_png`, the last decoded frame is saved there (lossless) once the clip passed.
ClipCheck verify_clip(const std::filesystem::path& file, int expected_frames,
                      const std::string& shown, const std::function<bool()>& cancelled = {},
                      const std::filesystem::path& last_png = {});

} // namespace shotchain::stages
