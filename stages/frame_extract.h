#pragma once
// Reference frames out of footage: the frame at a time (the same frame as
// `ffmpeg -ss T -i SRC -frames:v 1`), the N-th frame, the first, the true last displayed frame
// (seeking near the end and decoding only what it depends on), or the sharpest frame near a
// time. Used by `shotchain frame`, the pipeline (reference frames,
// chained shots' last frames) and stitching.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "codecs/frame.h"
#include "common/time_spec.h"

namespace shotchain::stages {

// TIME arguments are parsed by the one TIME parser (common/time_spec.h); these names keep
// `stages::TimeSpec` / `stages::parse_time` working for the callers of frame requests.
using shotchain::parse_time;
using shotchain::TimeSpec;

struct FrameRequest {
  enum class Kind { at, index, first, last, best_near };
  Kind kind = Kind::first;
  TimeSpec time;       // at, best_near
  int64_t index = 0;   // index: 0-based, in display order
  double window = 1.0; // best_near: seconds searched on each side of `time`
};

struct ExtractedFrame {
  codecs::Frame frame;     // as decoded (source pixel format, not yet rotated)
  int rotation = 0;        // clockwise degrees the source asks for on display
  double seconds = 0;      // presentation time from the start of the file
  int64_t index = -1;      // display index when known (first, index), else -1
  int packets_decoded = 0; // video packets sent to the decoder (how much work it took)
};

// Decodes the requested frame of `src`'s main video stream. Throws Error(bad_input) naming
// the file for unreadable input, an image, no video stream, or a time/index past the end.
ExtractedFrame extract_frame(const std::filesystem::path& src, const FrameRequest& request);

// The same, written as PNG or JPEG (by `out`'s extension), rotated for display and converted
// to 8-bit BT.709/sRGB. `jpeg_quality` 1..100. Written atomically; `out` must differ from `src`.
ExtractedFrame extract_frame_to_image(const std::filesystem::path& src, const FrameRequest& request,
                                      const std::filesystem::path& out, int jpeg_quality = 90);

// The pipeline's shortcuts.
inline ExtractedFrame last_frame(const std::filesystem::path& src) {
  FrameRequest r;
  r.kind = FrameRequest::Kind::last;
  return extract_frame(src, r);
}

// Throws Error(bad_input) when `out` is the same file as `in` (by path or by identity).
void check_output_differs(const std::filesystem::path& in, const std::filesystem::path& out);

} // namespace shotchain::stages
