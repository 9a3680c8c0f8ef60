#include "stages/scenes/features.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace shotchain::scenes {
namespace {

// Hue (angle of the chroma vector, 0..255 for a full turn) and saturation (its length) of
// every (U, V) pair, computed once.
struct ChromaTables {
  std::array<std::uint8_t, 65536> hue{}, sat{};
  ChromaTables() {
    for (int u = 0; u < 256; ++u)
      for (int v = 0; v < 256; ++v) {
        const double du = u - 128.0, dv = v - 128.0;
        const double angle = std::atan2(dv, du); // -pi..pi
        const size_t i = static_cast<size_t>(u * 256 + v);
        hue[i] = static_cast<std::uint8_t>(std::lround((angle + M_PI) / (2 * M_PI) * 255.0));
        sat[i] = static_cast<std::uint8_t>(std::min(255.0, std::hypot(du, dv) * 2.0));
      }
  }
};

const ChromaTables& tables() {
  static const ChromaTables t;
  return t;
}

// Sobel magnitude above this (on 0..255 luma, |gx|+|gy|) marks an edge pixel.
constexpr int kEdgeStrength = 160;

} // namespace

void compute_features(const codecs::SmallPicture& p, FrameFeatures& out) {
  const size_t n = p.y.size();
  const auto& t = tables();
  out.hue.resize(n);
  out.sat.resize(n);
  out.luma.assign(p.y.begin(), p.y.end());
  out.edges.assign(n, 0);
  out.histogram.fill(0);
  uint64_t luma_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t c = static_cast<size_t>(p.u[i]) * 256 + p.v[i];
    out.hue[i] = t.hue[c];
    out.sat[i] = t.sat[c];
    luma_sum += p.y[i];
    out.histogram[static_cast<size_t>((p.y[i] >> 5) * 16 + (p.u[i] >> 6) * 4 + (p.v[i] >> 6))] +=
        1.0f;
  }
  if (n > 0) {
    for (float& b : out.histogram) b /= static_cast<float>(n);
    out.mean_luma = static_cast<double>(luma_sum) / static_cast<double>(n);
  }
  const int w = p.width, h = p.height;
  out.coarse.assign(static_cast<size_t>(kCoarseWidth * kCoarseHeight), 0.0f);
  std::vector<int> cells(out.coarse.size(), 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const size_t cell =
          static_cast<size_t>((y * kCoarseHeight / h) * kCoarseWidth + x * kCoarseWidth / w);
      out.coarse[cell] += p.y[static_cast<size_t>(y * w + x)];
      ++cells[cell];
    }
  for (size_t c = 0; c < cells.size(); ++c)
    if (cells[c]) out.coarse[c] /= static_cast<float>(cells[c]);
  for (int y = 1; y < h - 1; ++y) {
    const uint8_t* r0 = p.y.data() + static_cast<ptrdiff_t>(y - 1) * w;
    const uint8_t* r1 = r0 + w;
    const uint8_t* r2 = r1 + w;
    for (int x = 1; x < w - 1; ++x) {
      const int gx =
          (r0[x + 1] + 2 * r1[x + 1] + r2[x + 1]) - (r0[x - 1] + 2 * r1[x - 1] + r2[x - 1]);
      const int gy = (r2[x - 1] + 2 * r2[x] + r2[x + 1]) - (r0[x - 1] + 2 * r0[x] + r0[x + 1]);
      if (std::abs(gx) + std::abs(gy) > kEdgeStrength)
        out.edges[static_cast<size_t>(y * w + x)] = 1;
    }
  }
}

double content_distance(const FrameFeatures& a, const FrameFeatures& b, const ContentWeights& w) {
  const size_t n = std::min(a.luma.size(), b.luma.size());
  if (n == 0) return 0;
  uint64_t dh = 0, ds = 0, dl = 0, de = 0;
  for (size_t i = 0; i < n; ++i) {
    const int hd = std::abs(a.hue[i] - b.hue[i]);
    // Hue is an angle; grey pixels have none, so it counts in proportion to saturation.
    const int sat = std::min(a.sat[i], b.sat[i]);
    dh += static_cast<uint64_t>(std::min(hd, 256 - hd) * 2 * std::min(sat * 4, 255) / 255);
    ds += static_cast<uint64_t>(std::abs(a.sat[i] - b.sat[i]));
    dl += static_cast<uint64_t>(std::abs(a.luma[i] - b.luma[i]));
    de += a.edges[i] != b.edges[i];
  }
  const double nn = static_cast<double>(n);
  const double total = w.hue * static_cast<double>(dh) / nn + w.sat * static_cast<double>(ds) / nn +
                       w.luma * static_cast<double>(dl) / nn +
                       w.edges * 255.0 * static_cast<double>(de) / nn;
  const double weights = w.hue + w.sat + w.luma + w.edges;
  return weights > 0 ? total / weights : 0;
}

double blend_error(const FrameFeatures& a, const FrameFeatures& m, const FrameFeatures& b,
                   double min_change) {
  const size_t n = std::min({a.coarse.size(), m.coarse.size(), b.coarse.size()});
  if (n == 0) return 1;
  double apart = 0, off = 0;
  for (size_t i = 0; i < n; ++i) {
    apart += std::fabs(a.coarse[i] - b.coarse[i]);
    off += std::fabs(2 * m.coarse[i] - a.coarse[i] - b.coarse[i]);
  }
  if (apart / static_cast<double>(n) < min_change) return 1;
  return off / 2 / apart;
}

double histogram_distance(const FrameFeatures& a, const FrameFeatures& b) {
  double d = 0;
  for (size_t i = 0; i < a.histogram.size(); ++i) d += std::fabs(a.histogram[i] - b.histogram[i]);
  return d / 2;
}

} // namespace shotchain::scenes
