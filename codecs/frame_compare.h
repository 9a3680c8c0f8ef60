#pragma once
// Picture similarity for the stitch stage's join measurement (owned by stitching; a small
// addition to codecs/ so no FFmpeg type leaves this folder).
#include "codecs/frame.h"

namespace shotchain::codecs {

// PSNR in dB of the luma planes of two video frames of the same size (any planar or
// semi-planar YUV or gray format, 8 to 16 bits; compared on an 8-bit scale). Identical
// pictures give kIdenticalPsnr. Throws std::invalid_argument when sizes differ or a format
// has no luma plane (RGB).
inline constexpr double kIdenticalPsnr = 100.0;
double luma_psnr(const Frame& a, const Frame& b);

} // namespace shotchain::codecs
