#pragma once
// Pixel work of the offline preview generator (owned by pipeline; a small addition to codecs/
// so no FFmpeg type leaves this folder, like frame_compare.h).
#include "codecs/frame.h"

namespace shotchain::codecs {

// A new frame of `base`'s size and pixel format showing the window (x, y, w, h) of `base`
// (luma pixels, fractional) scaled to the whole frame with bilinear filtering: a zoom/pan
// step. The window must lie inside the picture. `base` must be 8-bit planar YUV (yuv420p,
// yuv422p, yuv444p, and their full-range J variants); throws std::invalid_argument otherwise.
// A window equal to the whole picture returns an exact copy.
Frame zoom_window(const Frame& base, double x, double y, double w, double h);

} // namespace shotchain::codecs
