#include "codecs/frame_compare.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace shotchain::codecs {
namespace {

struct Luma {
  const uint8_t* data;
  int stride;
  int shift; // bits to drop to reach 8-bit scale
  bool wide; // 2 bytes per sample
};

Luma luma_of(const Frame& f) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(f.pixel_format()));
  if (!d || (d->flags & AV_PIX_FMT_FLAG_RGB) || (d->flags & AV_PIX_FMT_FLAG_PAL) ||
      (d->flags & AV_PIX_FMT_FLAG_BE) || d->comp[0].plane != 0 || d->comp[0].offset != 0 ||
      d->comp[0].shift != 0 || (d->comp[0].step != 1 && d->comp[0].step != 2) ||
      (d->comp[0].step == 1 && d->comp[0].depth != 8) ||
      (d->comp[0].step == 2 && d->comp[0].depth <= 8))
    throw std::invalid_argument("luma_psnr: unsupported pixel format " + f.pixel_format_name());
  return {f.av()->data[0], f.av()->linesize[0], d->comp[0].depth - 8, d->comp[0].step == 2};
}

} // namespace

double luma_psnr(const Frame& a, const Frame& b) {
  if (a.width() != b.width() || a.height() != b.height() || a.width() <= 0 || a.height() <= 0)
    throw std::invalid_argument("luma_psnr: frames differ in size");
  const Luma la = luma_of(a), lb = luma_of(b);
  const int w = a.width(), h = a.height();
  double sse = 0;
  for (int y = 0; y < h; ++y) {
    const uint8_t* ra = la.data + static_cast<std::ptrdiff_t>(y) * la.stride;
    const uint8_t* rb = lb.data + static_cast<std::ptrdiff_t>(y) * lb.stride;
    int64_t row = 0;
    for (int x = 0; x < w; ++x) {
      int va, vb;
      if (la.wide) {
        uint16_t s;
        std::memcpy(&s, ra + 2 * x, 2);
        va = s >> la.shift;
      } else {
        va = ra[x];
      }
      if (lb.wide) {
        uint16_t s;
        std::memcpy(&s, rb + 2 * x, 2);
        vb = s >> lb.shift;
      } else {
        vb = rb[x];
      }
      const int d = va - vb;
      row += d * d;
    }
    sse += static_cast<double>(row);
  }
  const double mse = sse / (static_cast<double>(w) * h);
  if (mse <= 0) return kIdenticalPsnr;
  return std::min(kIdenticalPsnr, 10.0 * std::log10(255.0 * 255.0 / mse));
}

} // namespace shotchain::codecs
