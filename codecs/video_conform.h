#pragma once
// Conforms decoded pictures to one output shape and pixel format: rotation (the source's
// display matrix), fit into a frame size by pad (black bars), crop (fill and trim) or stretch,
// and colour conversion from the source's matrix/range to BT.709 (or full-range RGB).
// One instance per stream; it caches its scaler between frames of the same shape.
#include <vector>

#include "codecs/frame.h"
#include "codecs/handles.h"
#include "codecs/types.h"

namespace shotchain::codecs {

struct ConformSettings {
  int width = 0; // 0 (with height 0): the source's displayed size after rotation
  int height = 0;
  Fit fit = Fit::pad;
  int pixel_format = -1; // AVPixelFormat of the output (required), e.g. AV_PIX_FMT_YUV420P
  int rotation = 0;      // clockwise degrees applied first (InputFile::rotation)
  // Output YUV matrix (AVColorSpace): BT.709 by default; JPEG/JFIF wants BT.601 (5).
  int colorspace = 1;
  // Force even output dimensions (needed by 4:2:0 encoders) when width/height are 0.
  bool even_size = false;
};

class VideoConformer {
 public:
  explicit VideoConformer(const ConformSettings& settings);
  // A new frame in the output shape and format; pts and time base are kept; colour tags say
  // BT.709 (limited range for YUV, full for RGB).
  Frame convert(const Frame& in);
  const ConformSettings& settings() const { return settings_; }
  // New settings for the pictures that follow (e.g. the next clip's rotation and colours):
  // the scalers start afresh, the pool of output pictures is kept.
  void reconfigure(const ConformSettings& settings);

 private:
  Frame rotate(const Frame& in) const;
  // An output picture: a free one of the pool when there is one (its buffers no longer used
  // by anyone else), else a new one. Allocating 4 MB per frame afresh made the kernel fault in
  // and zero its pages every time (4x ffmpeg's page faults, ~1% more CPU in a ProRes conform).
  Frame take_frame(int width, int height, int pixel_format);
  std::vector<Frame> pool_;
  ConformSettings settings_;
  SwsPtr sws_;
  SwsPtr sws_pre_; // to 4:4:4 before rotating formats that cannot be rotated directly
};

// The displayed size of a `width` x `height` picture after `rotation` degrees.
Size rotated_size(int width, int height, int rotation);

} // namespace shotchain::codecs
