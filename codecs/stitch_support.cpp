#include "codecs/stitch_support.h"

extern "C" {
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>
}

#include <algorithm>
#include <new>

namespace shotchain::codecs {

bool VideoStreamFacts::can_copy_to(const VideoStreamFacts& o) const {
  return codec == o.codec && width == o.width && height == o.height &&
         pixel_format == o.pixel_format && time_base == o.time_base &&
         avg_frame_rate == o.avg_frame_rate && extradata == o.extradata &&
         field_order == o.field_order;
}

VideoStreamFacts video_facts(const InputFile& input, int stream) {
  const AVStream* st = input.stream(stream);
  VideoStreamFacts f;
  if (!st) return f;
  const AVCodecParameters* p = st->codecpar;
  f.codec = avcodec_get_name(p->codec_id);
  if (const char* prof = avcodec_profile_name(p->codec_id, p->profile)) f.profile = prof;
  f.width = p->width;
  f.height = p->height;
  const char* pf = av_get_pix_fmt_name(static_cast<AVPixelFormat>(p->format));
  f.pixel_format = pf ? pf : "none";
  f.time_base = {st->time_base.num, st->time_base.den};
  f.avg_frame_rate = {st->avg_frame_rate.num, st->avg_frame_rate.den ? st->avg_frame_rate.den : 1};
  if (p->extradata && p->extradata_size > 0)
    f.extradata.assign(reinterpret_cast<const char*>(p->extradata),
                       static_cast<std::size_t>(p->extradata_size));
  switch (p->field_order) {
    case AV_FIELD_PROGRESSIVE:
      f.field_order = "progressive";
      break;
    case AV_FIELD_UNKNOWN:
      f.field_order = "unknown";
      break;
    default:
      f.field_order = "interlaced-" + std::to_string(static_cast<int>(p->field_order));
  }
  f.start = st->start_time == AV_NOPTS_VALUE ? kNoTimestamp : st->start_time;
  f.frames = st->nb_frames;
  f.duration = st->duration == AV_NOPTS_VALUE ? 0 : st->duration;
  f.colour_primaries = static_cast<int>(p->color_primaries);
  f.colour_transfer = static_cast<int>(p->color_trc);
  f.colour_matrix = static_cast<int>(p->color_space);
  return f;
}

AudioStreamFacts audio_facts(const InputFile& input, int stream) {
  const AVStream* st = input.stream(stream);
  AudioStreamFacts f;
  if (!st) return f;
  f.codec = avcodec_get_name(st->codecpar->codec_id);
  f.sample_rate = st->codecpar->sample_rate;
  f.channels = st->codecpar->ch_layout.nb_channels;
  return f;
}

void set_packet_timing(Packet& pkt, int64_t pts, int64_t dts, int64_t duration) {
  pkt.av()->pts = pts;
  pkt.av()->dts = dts;
  pkt.av()->duration = duration;
}

Frame audio_silence(int samples, int sample_rate, int channels, int sample_format) {
  Frame f = Frame::audio(samples, sample_rate, channels, sample_format);
  av_samples_set_silence(f.av()->extended_data, 0, samples, channels,
                         static_cast<AVSampleFormat>(sample_format));
  return f;
}

Frame audio_slice(const Frame& in, int offset, int count) {
  offset = std::clamp(offset, 0, in.samples());
  count = std::clamp(count, 0, in.samples() - offset);
  Frame out = Frame::audio(std::max(count, 1), in.sample_rate(), in.channels(), in.sample_format());
  out.av()->nb_samples = count;
  if (count > 0)
    av_samples_copy(out.av()->extended_data, in.av()->extended_data, 0, offset, count,
                    in.channels(), static_cast<AVSampleFormat>(in.sample_format()));
  out.set_time_base(in.time_base());
  out.set_pts(in.pts() == kNoTimestamp ? kNoTimestamp : in.pts() + offset);
  return out;
}

int64_t frame_duration(const Frame& frame) {
  const AVFrame* f = frame.av();
  return f->pkt_duration > 0 ? f->pkt_duration : 0;
}

} // namespace shotchain::codecs

#include "codecs/video_conform.h"

namespace shotchain::codecs {

Frame rgb_canvas(int width, int height, uint8_t r, uint8_t g, uint8_t b) {
  Frame f = Frame::video(width, height, AV_PIX_FMT_RGB24);
  fill_rect(f, 0, 0, width, height, r, g, b);
  return f;
}

void fill_rect(Frame& canvas, int x, int y, int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  AVFrame* f = canvas.av();
  const int x0 = std::max(0, x), y0 = std::max(0, y);
  const int x1 = std::min(f->width, x + w), y1 = std::min(f->height, y + h);
  for (int yy = y0; yy < y1; ++yy) {
    uint8_t* row = f->data[0] + static_cast<std::ptrdiff_t>(yy) * f->linesize[0];
    for (int xx = x0; xx < x1; ++xx) {
      row[3 * xx] = r;
      row[3 * xx + 1] = g;
      row[3 * xx + 2] = b;
    }
  }
}

Frame thumbnail(const Frame& picture, int w, int h) {
  ConformSettings s;
  s.width = w;
  s.height = h;
  s.fit = Fit::pad;
  s.pixel_format = AV_PIX_FMT_RGB24;
  VideoConformer conformer(s);
  return conformer.convert(picture);
}

void draw_picture(Frame& canvas, const Frame& picture, int x, int y, int w, int h) {
  Frame t =
      (picture.width() == w && picture.height() == h && picture.pixel_format() == AV_PIX_FMT_RGB24)
          ? picture.ref()
          : thumbnail(picture, w, h);
  AVFrame* dst = canvas.av();
  const AVFrame* src = t.av();
  for (int yy = 0; yy < h; ++yy) {
    const int ty = y + yy;
    if (ty < 0 || ty >= dst->height) continue;
    const uint8_t* s = src->data[0] + static_cast<std::ptrdiff_t>(yy) * src->linesize[0];
    uint8_t* d = dst->data[0] + static_cast<std::ptrdiff_t>(ty) * dst->linesize[0];
    for (int xx = 0; xx < w; ++xx) {
      const int tx = x + xx;
      if (tx < 0 || tx >= dst->width) continue;
      d[3 * tx] = s[3 * xx];
      d[3 * tx + 1] = s[3 * xx + 1];
      d[3 * tx + 2] = s[3 * xx + 2];
    }
  }
}

} // namespace shotchain::codecs
