#pragma once
// What the scene detectors measure on each reduced picture: hue, saturation, luma and an edge
// map (for the frame-to-frame content change) and a colour histogram (for gradual transitions,
// which change the colours of the whole picture while motion mostly moves them around).
#include <array>
#include <cstdint>
#include <vector>

#include "codecs/analysis_reader.h"

namespace shotchain::scenes {

inline constexpr int kHistogramBins = 8 * 4 * 4; // luma x U x V
inline constexpr int kCoarseWidth = 16, kCoarseHeight = 9;

struct FrameFeatures {
  std::vector<std::uint8_t> hue, sat, luma, edges; // edges: 0 or 1
  std::vector<float> coarse; // luma block means on a kCoarseWidth x kCoarseHeight grid
  std::array<float, kHistogramBins> histogram{}; // sums to 1
  double mean_luma = 0;                          // 0..255
};

// Weights of the content score's parts (each part a mean absolute difference on 0..255).
struct ContentWeights {
  double hue = 1, sat = 1, luma = 1, edges = 1;
};

void compute_features(const codecs::SmallPicture& picture, FrameFeatures& out);

// The content change between two pictures of the same size, 0..255.
double content_distance(const FrameFeatures& a, const FrameFeatures& b, const ContentWeights& w);

// blend_error(a, m, b): on the coarse grid (where a dissolve is still a blend of block means
// but fine motion and grain average out), the mean luma distance of `m` from the average of `a` and
// `b`, divided by the mean luma distance of `a` and `b` (1 when that is below `min_change`).
double blend_error(const FrameFeatures& a, const FrameFeatures& m, const FrameFeatures& b,
                   double min_change);

// Half the L1 distance of the colour histograms, 0..1.
double histogram_distance(const FrameFeatures& a, const FrameFeatures& b);

} // namespace shotchain::scenes
