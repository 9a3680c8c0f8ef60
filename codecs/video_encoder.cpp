#include "codecs/video_encoder.h"

extern "C" {
#include <libavutil/opt.h>
}

#include <stdexcept>

#include "codecs/av_error.h"

namespace shotchain::codecs {

int encoder_pixel_format(VideoCodec codec) {
  switch (codec) {
    case VideoCodec::h264:
      return AV_PIX_FMT_YUV420P;
    case VideoCodec::prores:
    case VideoCodec::prores_hq:
      return AV_PIX_FMT_YUV422P10LE;
    case VideoCodec::prores_4444:
      return AV_PIX_FMT_YUVA444P10LE;
  }
  return AV_PIX_FMT_YUV420P;
}

VideoEncoder::VideoEncoder(const VideoEncoderSettings& settings) : settings_(settings) {
  init_ffmpeg_logging();
  if (settings_.width <= 0 || settings_.height <= 0 || !settings_.frame_rate.valid())
    throw std::invalid_argument("VideoEncoder: size and frame rate are required");
  const bool h264 = settings_.codec == VideoCodec::h264;
  const AVCodec* codec = avcodec_find_encoder_by_name(h264 ? "libx264" : "prores_ks");
  if (!codec)
    throw Error(Failure::runtime,
                std::string("encoder not available: ") + (h264 ? "libx264" : "prores_ks"));
  ctx_.reset(avcodec_alloc_context3(codec));
  if (!ctx_) throw std::bad_alloc();
  AVCodecContext* c = ctx_.get();
  c->width = h264 ? (settings_.width & ~1) : settings_.width;
  c->height = h264 ? (settings_.height & ~1) : settings_.height;
  if (h264 && (settings_.width % 2 || settings_.height % 2))
    throw std::invalid_argument("VideoEncoder: H.264 needs even width and height");
  c->pix_fmt = static_cast<AVPixelFormat>(encoder_pixel_format(settings_.codec));
  c->time_base = AVRational{settings_.frame_rate.den, settings_.frame_rate.num};
  c->framerate = AVRational{settings_.frame_rate.num, settings_.frame_rate.den};
  c->sample_aspect_ratio = AVRational{1, 1};
  c->color_primaries = AVCOL_PRI_BT709;
  c->color_trc = AVCOL_TRC_BT709;
  c->colorspace = AVCOL_SPC_BT709;
  c->color_range = AVCOL_RANGE_MPEG;
  c->thread_count = settings_.threads;
  if (settings_.gop > 0) c->gop_size = settings_.gop;
  if (settings_.global_header) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  Dictionary opts;
  if (h264) {
    opts.set("crf", static_cast<long long>(settings_.crf));
    opts.set("preset", settings_.preset.c_str());
  } else {
    int profile = settings_.codec == VideoCodec::prores      ? 2
                  : settings_.codec == VideoCodec::prores_hq ? 3
                                                             : 4;
    c->profile = profile;
    // prores_ks reads its own "profile" option (default auto = HQ), not c->profile; a number
    // would be taken by the generic AVCodecContext option, so pass the name.
    opts.set("profile", profile == 2 ? "standard" : profile == 3 ? "hq" : "4444");
    opts.set("vendor", "apl0");
    c->bits_per_raw_sample = 10;
  }
  int ret = avcodec_open2(c, codec, opts.out());
  if (ret < 0) throw_av(Failure::runtime, ret, codec->name, "cannot open encoder");
}

void VideoEncoder::send(const Frame* frame) {
  if (flushed_) return;
  if (!frame) flushed_ = true;
  int ret = avcodec_send_frame(ctx_.get(), frame ? frame->av() : nullptr);
  if (ret == AVERROR(EAGAIN))
    throw std::logic_error("VideoEncoder::send: receive() all packets before sending more");
  if (ret < 0 && ret != AVERROR_EOF)
    throw_av(Failure::runtime, ret, ctx_->codec->name, "encode failed");
}

bool VideoEncoder::receive(Packet& pkt) {
  pkt.unref();
  int ret = avcodec_receive_packet(ctx_.get(), pkt.av());
  if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return false;
  if (ret < 0) throw_av(Failure::runtime, ret, ctx_->codec->name, "encode failed");
  return true;
}

} // namespace shotchain::codecs
