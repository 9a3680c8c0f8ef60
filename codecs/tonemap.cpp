#include "codecs/tonemap.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "codecs/handles.h"

namespace shotchain::codecs {
namespace {

constexpr double kSdrWhiteNits = 100.0;

double pq_to_nits(double e) {
  constexpr double m1 = 2610.0 / 16384, m2 = 2523.0 / 4096 * 128, c1 = 3424.0 / 4096,
                   c2 = 2413.0 / 4096 * 32, c3 = 2392.0 / 4096 * 32;
  const double p = std::pow(std::max(e, 0.0), 1.0 / m2);
  return 10000.0 * std::pow(std::max(p - c1, 0.0) / (c2 - c3 * p), 1.0 / m1);
}

// HLG inverse OETF (scene light 0..1), then the reference OOTF for a 1000-nit display.
double hlg_to_nits(double e, double scene_luma) {
  constexpr double a = 0.17883277, b = 0.28466892, c = 0.55991073;
  e = std::max(e, 0.0);
  (void)scene_luma;
  const double s = e <= 0.5 ? e * e / 3.0 : (std::exp((e - c) / a) + b) / 12.0;
  return 1000.0 * std::pow(s, 1.2);
}

double hable(double x) {
  constexpr double A = 0.15, B = 0.50, C = 0.10, D = 0.20, E = 0.02, F = 0.30;
  return (x * (A * x + C * B) + D * E) / (x * (A * x + B) + D * F) - E / F;
}

double bt709_oetf(double l) {
  l = std::clamp(l, 0.0, 1.0);
  return l < 0.018 ? 4.5 * l : 1.099 * std::pow(l, 0.45) - 0.099;
}

} // namespace

bool is_hdr(const Frame& frame) {
  const int trc = frame.av()->color_trc;
  return trc == AVCOL_TRC_SMPTE2084 || trc == AVCOL_TRC_ARIB_STD_B67;
}

Frame tonemap_to_sdr_rgb24(const Frame& in) {
  const AVFrame* src = in.av();
  const bool pq = src->color_trc == AVCOL_TRC_SMPTE2084;
  const int w = src->width, h = src->height;
  // 1. Non-linear R'G'B' (BT.2020 matrix) at 16 bits, full range.
  Frame rgb = Frame::video(w, h, AV_PIX_FMT_RGB48);
  SwsPtr sws(sws_getContext(w, h, static_cast<AVPixelFormat>(src->format), w, h, AV_PIX_FMT_RGB48,
                            SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr,
                            nullptr));
  if (!sws) throw std::runtime_error("cannot create scaler for tone mapping");
  int cs = src->colorspace == AVCOL_SPC_UNSPECIFIED ? AVCOL_SPC_BT2020_NCL : src->colorspace;
  if (cs == AVCOL_SPC_BT2020_CL) cs = AVCOL_SPC_BT2020_NCL;
  const bool full = src->color_range == AVCOL_RANGE_JPEG;
  sws_setColorspaceDetails(sws.get(), sws_getCoefficients(cs), full ? 1 : 0,
                           sws_getCoefficients(AVCOL_SPC_BT709), 1, 0, 1 << 16, 1 << 16);
  sws_scale(sws.get(), src->data, src->linesize, 0, h, rgb.av()->data, rgb.av()->linesize);

  // 2. Lookup from 16-bit code to linear light (1.0 = SDR white).
  std::vector<float> lin(65536);
  for (int i = 0; i < 65536; ++i) {
    const double e = i / 65535.0;
    lin[static_cast<size_t>(i)] =
        static_cast<float>((pq ? pq_to_nits(e) : hlg_to_nits(e, 0)) / kSdrWhiteNits);
  }
  const double peak = pq ? 10000.0 / kSdrWhiteNits : 1000.0 / kSdrWhiteNits;
  const double norm = hable(peak);
  // BT.709 OETF to 8 bits as a table over linear 0..1.
  constexpr int kSteps = 1 << 16;
  std::vector<uint8_t> oetf(kSteps + 1);
  for (int i = 0; i <= kSteps; ++i)
    oetf[static_cast<size_t>(i)] =
        static_cast<uint8_t>(std::lround(255.0 * bt709_oetf(static_cast<double>(i) / kSteps)));
  auto oetf8 = [&](double v) {
    return oetf[static_cast<size_t>(std::lround(std::clamp(v, 0.0, 1.0) * kSteps))];
  };
  // 3. BT.2020 -> BT.709 primaries in linear light.
  constexpr std::array<double, 9> m = {1.6605,  -0.5876, -0.0728, -0.1246, 1.1329,
                                       -0.0083, -0.0182, -0.1006, 1.1187};
  Frame out = Frame::video(w, h, AV_PIX_FMT_RGB24);
  for (int y = 0; y < h; ++y) {
    const auto* s =
        reinterpret_cast<const uint16_t*>(rgb.av()->data[0] + y * rgb.av()->linesize[0]);
    uint8_t* d = out.av()->data[0] + y * out.av()->linesize[0];
    for (int x = 0; x < w; ++x) {
      const double r = lin[s[3 * x]], g = lin[s[3 * x + 1]], b = lin[s[3 * x + 2]];
      double r7 = m[0] * r + m[1] * g + m[2] * b;
      double g7 = m[3] * r + m[4] * g + m[5] * b;
      double b7 = m[6] * r + m[7] * g + m[8] * b;
      // Tone-map the brightest channel and scale the others by the same ratio (keeps hue).
      const double sig = std::max({r7, g7, b7, 1e-6});
      const double k = hable(std::min(sig, peak)) / norm / sig;
      d[3 * x] = oetf8(r7 * k);
      d[3 * x + 1] = oetf8(g7 * k);
      d[3 * x + 2] = oetf8(b7 * k);
    }
  }
  av_frame_copy_props(out.av(), src);
  out.av()->color_primaries = AVCOL_PRI_BT709;
  out.av()->color_trc = AVCOL_TRC_BT709;
  out.av()->colorspace = AVCOL_SPC_RGB;
  out.av()->color_range = AVCOL_RANGE_JPEG;
  out.set_time_base(in.time_base());
  return out;
}

} // namespace shotchain::codecs
