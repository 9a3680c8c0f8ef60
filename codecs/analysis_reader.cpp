#include "codecs/analysis_reader.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <algorithm>

#include "codecs/decoder.h"
#include "codecs/input_file.h"
#include "codecs/video_conform.h"

namespace shotchain::codecs {
namespace {

// Source column/row of each output sample: the centre of its cell, so the sample pairs below
// average the middle of the cell.
std::vector<int> sample_positions(int out, int in) {
  std::vector<int> pos(static_cast<size_t>(out));
  for (int i = 0; i < out; ++i)
    pos[static_cast<size_t>(i)] =
        std::min(in - 2, static_cast<int>((static_cast<int64_t>(2 * i + 1) * in) / (2 * out)));
  return pos;
}

bool reducible(int format) {
  switch (format) {
    case AV_PIX_FMT_YUV420P:
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUV422P:
    case AV_PIX_FMT_YUVJ422P:
    case AV_PIX_FMT_YUV444P:
    case AV_PIX_FMT_YUVJ444P:
      return true;
    default:
      return false;
  }
}

} // namespace

struct AnalysisReader::Impl {
  InputFile in;
  int stream;
  VideoDecoder dec;
  AnalysisSource src;
  int width = 0, height = 0;
  std::vector<int> xs, ys, cxs, cys; // sample positions for luma and chroma
  int chroma_fmt = -1;
  std::unique_ptr<VideoConformer> to_yuv; // other pixel formats: converted first
  Frame frame;
  int64_t index = 0;

  Impl(const std::filesystem::path& path, int target_width, const std::atomic<bool>* cancel)
      : in(path,
           [cancel] {
             InputOptions o;
             o.cancel = cancel;
             return o;
           }()),
        stream(in.require_video_stream(false)),
        dec(in, stream, 0) {
    // The deblocking filter stays on: without it smooth pictures turn blocky by a different
    // amount at every keyframe, which scores as a cut (measured on the test corpus).
    const AVStream* st = in.stream(stream);
    if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0)
      src.rate = {st->avg_frame_rate.num, st->avg_frame_rate.den};
    else if (st->r_frame_rate.num > 0 && st->r_frame_rate.den > 0)
      src.rate = {st->r_frame_rate.num, st->r_frame_rate.den};
    src.duration = static_cast<double>(in.duration_us()) / 1e6;
    src.frame_count = st->nb_frames;
    src.width = st->codecpar->width;
    src.height = st->codecpar->height;
    src.timecode = in.timecode();
    width = std::max(16, std::min(target_width, src.width));
    height =
        src.width > 0
            ? std::max(8, static_cast<int>(static_cast<int64_t>(width) * src.height / src.width))
            : width * 9 / 16;
  }

  void prepare(const AVFrame* f) {
    chroma_fmt = f->format;
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(f->format));
    xs = sample_positions(width, f->width);
    ys = sample_positions(height, f->height);
    const int cw = AV_CEIL_RSHIFT(f->width, d->log2_chroma_w);
    const int ch = AV_CEIL_RSHIFT(f->height, d->log2_chroma_h);
    cxs.resize(xs.size());
    cys.resize(ys.size());
    for (size_t i = 0; i < xs.size(); ++i) cxs[i] = std::min(cw - 1, xs[i] >> d->log2_chroma_w);
    for (size_t i = 0; i < ys.size(); ++i) cys[i] = std::min(ch - 1, ys[i] >> d->log2_chroma_h);
  }

  // Each output pixel: the mean of a 2x2 luma block (and the chroma sample) at its cell's
  // centre. Coarser than an area filter but ~50x cheaper, and every score is relative.
  void reduce(const AVFrame* f, SmallPicture& out) {
    if (f->format != chroma_fmt || static_cast<int>(xs.size()) != width) prepare(f);
    const size_t n = static_cast<size_t>(width) * static_cast<size_t>(height);
    out.width = width;
    out.height = height;
    out.y.resize(n);
    out.u.resize(n);
    out.v.resize(n);
    size_t k = 0;
    for (int r = 0; r < height; ++r) {
      const uint8_t* l0 =
          f->data[0] + static_cast<ptrdiff_t>(ys[static_cast<size_t>(r)]) * f->linesize[0];
      const uint8_t* l1 = l0 + f->linesize[0];
      const uint8_t* cu =
          f->data[1] + static_cast<ptrdiff_t>(cys[static_cast<size_t>(r)]) * f->linesize[1];
      const uint8_t* cv =
          f->data[2] + static_cast<ptrdiff_t>(cys[static_cast<size_t>(r)]) * f->linesize[2];
      for (int c = 0; c < width; ++c, ++k) {
        const int x = xs[static_cast<size_t>(c)];
        out.y[k] = static_cast<uint8_t>((l0[x] + l0[x + 1] + l1[x] + l1[x + 1] + 2) >> 2);
        out.u[k] = cu[cxs[static_cast<size_t>(c)]];
        out.v[k] = cv[cxs[static_cast<size_t>(c)]];
      }
    }
  }

  bool next(SmallPicture& out) {
    if (!dec.next(in, frame)) return false;
    const AVFrame* f = frame.av();
    Frame converted;
    if (!reducible(f->format) || f->width < 2 || f->height < 2) {
      if (!to_yuv) {
        ConformSettings cs;
        cs.pixel_format = AV_PIX_FMT_YUV444P;
        to_yuv = std::make_unique<VideoConformer>(cs);
      }
      converted = to_yuv->convert(frame);
      f = converted.av();
    }
    reduce(f, out);
    const int64_t container_start = rescale(in.start_time_us(), {1, 1000000}, dec.time_base());
    out.seconds = frame.pts() == kNoTimestamp ? static_cast<double>(index) / src.rate.to_double()
                                              : static_cast<double>(frame.pts() - container_start) *
                                                    dec.time_base().num / dec.time_base().den;
    out.index = index++;
    return true;
  }
};

AnalysisReader::AnalysisReader(const std::filesystem::path& path, int width,
                               const std::atomic<bool>* cancel)
    : impl_(std::make_unique<Impl>(path, width, cancel)) {}
AnalysisReader::~AnalysisReader() = default;
const AnalysisSource& AnalysisReader::source() const { return impl_->src; }
bool AnalysisReader::next(SmallPicture& out) { return impl_->next(out); }

} // namespace shotchain::codecs
