#pragma once
// Converting one clip to an editor-ready MOV or MP4: stream copy (remux without decoding,
// timestamps from 0, faststart), H.264 (libx264, yuv420p, BT.709) or ProRes 422 / 422 HQ /
// 4444 (prores_ks, 10-bit, vendor apl0, BT.709), optional constant frame rate and size/fit,
// audio kept (PCM next to ProRes, AAC copied or encoded next to H.264), timecode kept.
// Streaming: one packet/frame at a time; the output appears only when complete.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "codecs/types.h"

namespace shotchain::stages {

struct ConvertOptions {
  // "copy", "h264", "prores", "prores_hq", "prores_4444"; "" = prores_hq for .mov, h264 for .mp4.
  std::string codec;
  std::optional<codecs::Rational> fps; // constant output rate; default: the source's average
  std::optional<codecs::Size> size;    // default: the source's displayed size
  codecs::Fit fit = codecs::Fit::pad;
  int crf = 18;                                  // H.264
  std::string preset = "medium";                 // H.264
  bool audio = true;                             // keep the main audio stream
  int threads = 0;                               // encoder/decoder threads, 0 = automatic
  std::function<void(double fraction)> progress; // optional, called now and then
  const std::atomic<bool>* cancel = nullptr;     // optional: stop (Failure::interrupted)
};

struct ConvertResult {
  std::string video_codec; // what was written ("h264", "prores", or the copied codec)
  int64_t video_frames = 0;
  bool audio = false;
  std::string audio_codec;
  double duration = 0; // seconds of video written
  std::string timecode;
};

// Throws Error(bad_input) naming the file for bad input/options (before writing anything),
// Error(runtime) for failures while running; never leaves a partial output.
ConvertResult convert(const std::filesystem::path& src, const std::filesystem::path& out,
                      const ConvertOptions& options);

} // namespace shotchain::stages
