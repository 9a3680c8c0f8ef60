#include "codecs/preview_support.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace shotchain::codecs {
namespace {

// Bilinear resample of the window (x, y, w, h) of one plane (in that plane's pixels).
void zoom_plane(const std::uint8_t* src, int src_stride, int sw, int sh, std::uint8_t* dst,
                int dst_stride, double x, double y, double w, double h) {
  const double sx = w / sw, sy = h / sh;
  // Precompute horizontal taps (positions are sampled at pixel centres).
  std::vector<int> x0(sw), x1(sw);
  std::vector<int> fx(sw);
  for (int u = 0; u < sw; ++u) {
    double px = x + (u + 0.5) * sx - 0.5;
    px = std::clamp(px, 0.0, static_cast<double>(sw - 1));
    int i0 = static_cast<int>(px);
    x0[u] = i0;
    x1[u] = std::min(i0 + 1, sw - 1);
    fx[u] = static_cast<int>((px - i0) * 256.0 + 0.5);
  }
  for (int v = 0; v < sh; ++v) {
    double py = y + (v + 0.5) * sy - 0.5;
    py = std::clamp(py, 0.0, static_cast<double>(sh - 1));
    int j0 = static_cast<int>(py);
    int j1 = std::min(j0 + 1, sh - 1);
    int fy = static_cast<int>((py - j0) * 256.0 + 0.5);
    const std::uint8_t* r0 = src + static_cast<std::ptrdiff_t>(j0) * src_stride;
    const std::uint8_t* r1 = src + static_cast<std::ptrdiff_t>(j1) * src_stride;
    std::uint8_t* out = dst + static_cast<std::ptrdiff_t>(v) * dst_stride;
    for (int u = 0; u < sw; ++u) {
      int a = r0[x0[u]] * (256 - fx[u]) + r0[x1[u]] * fx[u];
      int b = r1[x0[u]] * (256 - fx[u]) + r1[x1[u]] * fx[u];
      out[u] = static_cast<std::uint8_t>((a * (256 - fy) + b * fy + 32768) >> 16);
    }
  }
}

} // namespace

Frame zoom_window(const Frame& base, double x, double y, double w, double h) {
  const AVFrame* in = base.av();
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(in->format));
  if (!d || (d->flags & AV_PIX_FMT_FLAG_RGB) || d->nb_components != 3 ||
      !(d->flags & AV_PIX_FMT_FLAG_PLANAR) || d->comp[0].depth != 8)
    throw std::invalid_argument("zoom_window: needs 8-bit planar YUV, not " +
                                base.pixel_format_name());
  const int W = in->width, H = in->height;
  if (!(w > 0 && h > 0 && x >= 0 && y >= 0 && x + w <= W + 1e-6 && y + h <= H + 1e-6))
    throw std::invalid_argument("zoom_window: window outside the picture");
  if (x == 0 && y == 0 && w == W && h == H) return base.clone();
  Frame out = Frame::video(W, H, in->format);
  AVFrame* o = out.av();
  av_frame_copy_props(o, in);
  for (int p = 0; p < 3; ++p) {
    int cw = p ? -((-W) >> d->log2_chroma_w) : W;
    int ch = p ? -((-H) >> d->log2_chroma_h) : H;
    double kx = static_cast<double>(cw) / W, ky = static_cast<double>(ch) / H;
    zoom_plane(in->data[p], in->linesize[p], cw, ch, o->data[p], o->linesize[p], x * kx, y * ky,
               w * kx, h * ky);
  }
  out.set_time_base(base.time_base());
  return out;
}

} // namespace shotchain::codecs
