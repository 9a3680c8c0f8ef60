#include "codecs/video_conform.h"

extern "C" {
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <stdexcept>

namespace shotchain::codecs {
namespace {

bool is_rgb(int fmt) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(fmt));
  return d && (d->flags & AV_PIX_FMT_FLAG_RGB);
}

bool is_full_range_format(int fmt) {
  switch (fmt) {
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUVJ422P:
    case AV_PIX_FMT_YUVJ444P:
    case AV_PIX_FMT_YUVJ440P:
    case AV_PIX_FMT_YUVJ411P:
      return true;
    default:
      return false;
  }
}

// Can every plane be rotated element by element (chroma subsampled the same both ways)?
bool rotatable(int fmt, int* elem_sizes) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(fmt));
  if (!d || d->log2_chroma_w != d->log2_chroma_h) return false;
  if (d->flags & (AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_PAL))
    return false;
  for (int p = 0; p < 4; ++p) elem_sizes[p] = 0;
  for (int c = 0; c < d->nb_components; ++c) {
    const AVComponentDescriptor& comp = d->comp[c];
    elem_sizes[comp.plane] = std::max(elem_sizes[comp.plane], comp.step);
  }
  return true;
}

int align_down(int v, int a) { return v / a * a; }

} // namespace

Size rotated_size(int width, int height, int rotation) {
  if (rotation == 90 || rotation == 270) return {height, width};
  return {width, height};
}

VideoConformer::VideoConformer(const ConformSettings& settings) : settings_(settings) {
  if (settings_.pixel_format < 0) throw std::invalid_argument("ConformSettings: no pixel format");
}

void VideoConformer::reconfigure(const ConformSettings& settings) {
  if (settings.pixel_format < 0) throw std::invalid_argument("ConformSettings: no pixel format");
  settings_ = settings;
  // A cached scaler keeps the colour matrices set for the previous source.
  sws_.reset();
  sws_pre_.reset();
}

Frame VideoConformer::rotate(const Frame& in) const {
  int elem[4];
  const int rot = settings_.rotation;
  const AVFrame* src = in.av();
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(src->format));
  if (!rotatable(src->format, elem)) throw std::logic_error("rotate: unsupported format");
  Size out_size = rotated_size(src->width, src->height, rot);
  Frame out = Frame::video(out_size.width, out_size.height, src->format);
  AVFrame* dst = out.av();
  int planes = av_pix_fmt_count_planes(static_cast<AVPixelFormat>(src->format));
  for (int p = 0; p < planes; ++p) {
    const bool chroma = (p == 1 || p == 2) && !(d->flags & AV_PIX_FMT_FLAG_RGB);
    const int sw = chroma ? AV_CEIL_RSHIFT(src->width, d->log2_chroma_w) : src->width;
    const int sh = chroma ? AV_CEIL_RSHIFT(src->height, d->log2_chroma_h) : src->height;
    const int es = elem[p];
    const uint8_t* s = src->data[p];
    uint8_t* t = dst->data[p];
    const int sl = src->linesize[p], tl = dst->linesize[p];
    for (int y = 0; y < sh; ++y) {
      const uint8_t* row = s + static_cast<ptrdiff_t>(y) * sl;
      for (int x = 0; x < sw; ++x) {
        int tx, ty;
        if (rot == 90) {
          tx = sh - 1 - y;
          ty = x;
        } else if (rot == 270) {
          tx = y;
          ty = sw - 1 - x;
        } else { // 180
          tx = sw - 1 - x;
          ty = sh - 1 - y;
        }
        std::memcpy(t + static_cast<ptrdiff_t>(ty) * tl + static_cast<ptrdiff_t>(tx) * es,
                    row + static_cast<ptrdiff_t>(x) * es, es);
      }
    }
  }
  av_frame_copy_props(dst, src);
  out.set_time_base(in.time_base());
  return out;
}

Frame VideoConformer::take_frame(int width, int height, int pixel_format) {
  constexpr std::size_t kPoolSize = 4; // the stitch stage holds at most 2-3 at once
  for (const Frame& f : pool_) {
    const AVFrame* a = f.av();
    if (a->width != width || a->height != height || a->format != pixel_format) continue;
    bool free = true;
    for (int i = 0; i < AV_NUM_DATA_POINTERS && a->buf[i]; ++i)
      free = free && av_buffer_get_ref_count(a->buf[i]) == 1;
    if (free) return f.ref();
  }
  Frame fresh = Frame::video(width, height, pixel_format);
  if (pool_.size() >= kPoolSize) pool_.erase(pool_.begin());
  pool_.push_back(fresh.ref());
  return fresh;
}

Frame VideoConformer::convert(const Frame& in_frame) {
  const Frame* in = &in_frame;
  Frame pre, rotated;
  if (settings_.rotation == 90 || settings_.rotation == 180 || settings_.rotation == 270) {
    int elem[4];
    if (!rotatable(in->pixel_format(), elem)) {
      // Bring to 4:4:4 at the same depth class first.
      const AVPixFmtDescriptor* d =
          av_pix_fmt_desc_get(static_cast<AVPixelFormat>(in->pixel_format()));
      const bool deep = d && d->comp[0].depth > 8;
      const bool rgb = d && (d->flags & AV_PIX_FMT_FLAG_RGB);
      const AVPixelFormat mid = rgb ? (deep ? AV_PIX_FMT_GBRP16 : AV_PIX_FMT_GBRP)
                                    : (deep ? AV_PIX_FMT_YUV444P16 : AV_PIX_FMT_YUV444P);
      sws_pre_.reset(sws_getCachedContext(
          sws_pre_.release(), in->width(), in->height(),
          static_cast<AVPixelFormat>(in->pixel_format()), in->width(), in->height(), mid,
          SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr));
      if (!sws_pre_) throw std::runtime_error("cannot convert pixel format for rotation");
      pre = Frame::video(in->width(), in->height(), mid);
      sws_scale(sws_pre_.get(), in->av()->data, in->av()->linesize, 0, in->height(), pre.av()->data,
                pre.av()->linesize);
      av_frame_copy_props(pre.av(), in->av());
      pre.set_time_base(in->time_base());
      in = &pre;
    }
    rotated = rotate(*in);
    in = &rotated;
  }

  const AVFrame* src = in->av();
  const int sw = src->width, sh = src->height;
  int W = settings_.width, H = settings_.height;
  if (W <= 0 || H <= 0) {
    W = sw;
    H = sh;
    if (settings_.even_size) {
      W = std::max(2, W & ~1);
      H = std::max(2, H & ~1);
    }
  }
  const auto out_fmt = static_cast<AVPixelFormat>(settings_.pixel_format);
  const AVPixFmtDescriptor* od = av_pix_fmt_desc_get(out_fmt);
  const AVPixFmtDescriptor* id = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(src->format));
  const int oax = 1 << od->log2_chroma_w, oay = 1 << od->log2_chroma_h;
  const int iax = 1 << id->log2_chroma_w, iay = 1 << id->log2_chroma_h;

  // Source rectangle (crop) and destination rectangle (pad).
  int cx = 0, cy = 0, cw = sw, ch = sh;
  int dx = 0, dy = 0, dw = W, dh = H;
  if (settings_.fit == Fit::pad && (sw != W || sh != H)) {
    const double s = std::min(static_cast<double>(W) / sw, static_cast<double>(H) / sh);
    dw = std::clamp(align_down(static_cast<int>(std::lround(sw * s)), oax), oax, W);
    dh = std::clamp(align_down(static_cast<int>(std::lround(sh * s)), oay), oay, H);
    dx = align_down((W - dw) / 2, oax);
    dy = align_down((H - dh) / 2, oay);
  } else if (settings_.fit == Fit::crop && (sw != W || sh != H)) {
    const double s = std::max(static_cast<double>(W) / sw, static_cast<double>(H) / sh);
    cw = std::clamp(align_down(static_cast<int>(std::lround(W / s)), iax), iax, sw);
    ch = std::clamp(align_down(static_cast<int>(std::lround(H / s)), iay), iay, sh);
    cx = align_down((sw - cw) / 2, iax);
    cy = align_down((sh - ch) / 2, iay);
  }

  Frame out = take_frame(W, H, out_fmt);
  AVFrame* dst = out.av();
  const bool dst_rgb = is_rgb(out_fmt);
  const bool dst_full = dst_rgb || is_full_range_format(out_fmt);
  if (dx || dy || dw != W || dh != H) {
    ptrdiff_t lines[4];
    for (int i = 0; i < 4; ++i) lines[i] = dst->linesize[i];
    av_image_fill_black(dst->data, lines, out_fmt, dst_full ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG,
                        W, H);
  }

  const auto in_fmt = static_cast<AVPixelFormat>(src->format);
  sws_.reset(sws_getCachedContext(sws_.release(), cw, ch, in_fmt, dw, dh, out_fmt, SWS_BICUBIC,
                                  nullptr, nullptr, nullptr));
  if (!sws_) throw std::runtime_error("cannot create scaler");
  const bool src_full =
      src->color_range == AVCOL_RANGE_JPEG || is_full_range_format(in_fmt) || is_rgb(in_fmt);
  int in_cs = src->colorspace;
  if (in_cs == AVCOL_SPC_BT2020_CL) in_cs = AVCOL_SPC_BT2020_NCL;
  // Untagged YUV: guess by size as players do (mpv, VLC, browsers): HD is BT.709, SD BT.601.
  // swscale alone would assume BT.601 and shift the colours of every untagged HD clip, which
  // is what generated 768p clips usually are.
  if (in_cs == AVCOL_SPC_UNSPECIFIED && !is_rgb(in_fmt))
    in_cs = (src->width >= 1280 || src->height > 576) ? AVCOL_SPC_BT709 : AVCOL_SPC_BT470BG;
  // Only touch the colour details when they matter: swscale converts matrices only to or from
  // RGB, and re-setting them sends YUV->YUV conversions down a much slower path (a quarter
  // more CPU for a ProRes conform).
  const auto same_matrix = [](int a, int b) {
    auto norm = [](int c) { return c == AVCOL_SPC_SMPTE170M ? AVCOL_SPC_BT470BG : c; };
    return norm(a) == norm(b);
  };
  const bool yuv_to_yuv = !is_rgb(in_fmt) && !dst_rgb;
  if (!yuv_to_yuv || src_full != dst_full || !same_matrix(in_cs, settings_.colorspace)) {
    sws_setColorspaceDetails(sws_.get(), sws_getCoefficients(in_cs), src_full ? 1 : 0,
                             sws_getCoefficients(settings_.colorspace), dst_full ? 1 : 0, 0,
                             1 << 16, 1 << 16);
  }

  const uint8_t* sp[4] = {};
  uint8_t* dp[4] = {};
  const int planes_in = av_pix_fmt_count_planes(in_fmt);
  for (int p = 0; p < planes_in; ++p) {
    const bool chroma = (p == 1 || p == 2) && !(id->flags & AV_PIX_FMT_FLAG_RGB);
    const int xs = chroma ? cx >> id->log2_chroma_w : cx;
    const int ys = chroma ? cy >> id->log2_chroma_h : cy;
    int step = 0;
    for (int c = 0; c < id->nb_components; ++c)
      if (id->comp[c].plane == p) step = std::max(step, id->comp[c].step);
    sp[p] = src->data[p] + static_cast<ptrdiff_t>(ys) * src->linesize[p] +
            static_cast<ptrdiff_t>(xs) * step;
  }
  const int planes_out = av_pix_fmt_count_planes(out_fmt);
  for (int p = 0; p < planes_out; ++p) {
    const bool chroma = (p == 1 || p == 2) && !(od->flags & AV_PIX_FMT_FLAG_RGB);
    const int xs = chroma ? dx >> od->log2_chroma_w : dx;
    const int ys = chroma ? dy >> od->log2_chroma_h : dy;
    int step = 0;
    for (int c = 0; c < od->nb_components; ++c)
      if (od->comp[c].plane == p) step = std::max(step, od->comp[c].step);
    dp[p] = dst->data[p] + static_cast<ptrdiff_t>(ys) * dst->linesize[p] +
            static_cast<ptrdiff_t>(xs) * step;
  }
  sws_scale(sws_.get(), sp, src->linesize, 0, ch, dp, dst->linesize);

  av_frame_copy_props(dst, src);
  dst->color_primaries = AVCOL_PRI_BT709;
  dst->color_trc = dst_rgb ? AVCOL_TRC_IEC61966_2_1 : AVCOL_TRC_BT709;
  dst->colorspace = dst_rgb ? AVCOL_SPC_RGB : static_cast<AVColorSpace>(settings_.colorspace);
  dst->color_range = dst_full ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
  dst->sample_aspect_ratio = AVRational{1, 1};
  out.set_time_base(in->time_base());
  return out;
}

} // namespace shotchain::codecs
