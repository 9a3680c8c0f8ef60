#pragma once
// Streaming decode of a video's main stream into small pictures for analysis (scene
// detection): every frame once, in display order, frame-threaded, each picture reduced to a few
// thousand pixels straight from the decoder's planes. Nothing is buffered beyond the decoder's own
// frames, so memory does not grow with the footage.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "codecs/types.h"

namespace shotchain::codecs {

// A reduced picture: 8-bit full-range planes of the same size (4:4:4), BT.601/709 YUV as
// the source codes it (analysis compares pictures with each other, not with the world).
struct SmallPicture {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> y, u, v;
  int64_t index = -1; // display index from 0
  double seconds = 0; // presentation time from the file's start
};

struct AnalysisSource {
  Rational rate{25, 1};      // average frame rate (25 when unknown)
  double duration = 0;       // seconds, 0 when unknown
  int64_t frame_count = 0;   // from the container index, 0 when unknown
  int width = 0, height = 0; // coded size
  std::string timecode;      // start timecode "HH:MM:SS:FF" or ""
};

class AnalysisReader {
 public:
  // Opens `path` (bad input throws Error(bad_input) naming it). `width` is the analysis width
  // (the height keeps the aspect); `cancel` stops I/O when set.
  AnalysisReader(const std::filesystem::path& path, int width,
                 const std::atomic<bool>* cancel = nullptr);
  ~AnalysisReader();
  AnalysisReader(const AnalysisReader&) = delete;
  AnalysisReader& operator=(const AnalysisReader&) = delete;

  const AnalysisSource& source() const;
  // The next picture in display order; false at the end.
  bool next(SmallPicture& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace shotchain::codecs
