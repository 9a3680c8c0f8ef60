#pragma once
// Verifies a downloaded clip before it is renamed into place: it opens with the codecs layer,
// has a video stream at 25 fps, and decodes to duration x 25 frames (within one frame).
#include <filesystem>
#include <functional>

namespace shotchain::stages {

struct ClipCheck {
  int frames = 0;
  int width = 0;
  int height = 0;
  double fps = 0;
};

// `expected_frames` 0 accepts 150 or 250 (a 6 s or 10 s clip). Throws Error(runtime) naming
// the file (`shown`) when the clip is not what the service promises.
// With `last_png`, the last decoded frame is saved there (lossless) once the clip passed.
ClipCheck verify_clip(const std::filesystem::path& file, int expected_frames,
                      const std::string& shown, const std::function<bool()>& cancelled = {},
                      const std::filesystem::path& last_png = {});

} // namespace shotchain::stages
