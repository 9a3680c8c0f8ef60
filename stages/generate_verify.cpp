#include "stages/generate_verify.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "codecs/decoder.h"
#include "codecs/frame.h"
#include "codecs/image_file.h"
#include "codecs/input_file.h"
#include "common/cpu_time.h"
#include "common/error.h"

namespace shotchain::stages {

std::string clip_difference(int frames, double fps, int expected_frames) {
  auto near = [&](int want) { return std::abs(frames - want) <= 1; };
  bool frames_ok = expected_frames > 0 ? near(expected_frames) : (near(150) || near(250));
  bool fps_ok = fps <= 0 || std::abs(fps - 25.0) <= 0.05;
  if (frames_ok && fps_ok) return {};
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "%.3f fps, %d frames (expected 25 fps, %s frames): kept as delivered, conformed "
                "in assembly",
                fps, frames,
                expected_frames > 0 ? std::to_string(expected_frames).c_str() : "150 or 250");
  return buf;
}

void ClipMeasure::add(const codecs::Frame& decoded) {
  if (frames_++ == 0) {
    width_ = decoded.width();
    height_ = decoded.height();
  }
  const double s = decoded.seconds();
  if (!std::isfinite(s)) return;
  if (!timed_) first_ = s;
  timed_ = true;
  last_ = s;
}

ClipCheck ClipMeasure::result(int expected_frames, const std::string& shown) const {
  if (frames_ == 0) throw Error(Failure::runtime, shown + ": the downloaded clip has no frames");
  ClipCheck c;
  c.frames = frames_;
  c.width = width_;
  c.height = height_;
  if (frames_ > 1 && timed_ && last_ > first_) c.fps = (frames_ - 1) / (last_ - first_);
  c.difference = clip_difference(c.frames, c.fps, expected_frames);
  return c;
}

ClipCheck verify_clip(const std::filesystem::path& file, int expected_frames,
                      const std::string& shown, const std::function<bool()>& cancelled,
                      const std::filesystem::path& last_png) {
  MediaCpuScope media_cpu;
  ClipMeasure measure;
  codecs::Frame last_frame;
  try {
    codecs::InputFile in(file);
    int stream = in.require_video_stream(false);
    // One decoding thread: the pipeline verifies several clips at once, which already fills the
    // cores, and frame threads would each hold frames.
    codecs::VideoDecoder dec(in, stream, 1);
    codecs::Frame f;
    while (dec.next(in, f)) {
      if (cancelled && cancelled()) throw Error(Failure::interrupted, shown + ": interrupted");
      measure.add(f);
      if (!last_png.empty()) last_frame = f.ref();
    }
  } catch (const Error& e) {
    if (e.failure() == Failure::interrupted) throw;
    throw Error(Failure::runtime,
                shown + ": the downloaded clip does not decode (" + std::string(e.what()) + ")");
  }
  ClipCheck c = measure.result(expected_frames, shown);
  if (!last_png.empty()) codecs::write_image(last_frame, last_png);
  return c;
}

} // namespace shotchain::stages
