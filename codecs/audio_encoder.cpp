#include "codecs/audio_encoder.h"

#include <algorithm>
#include <stdexcept>

#include "codecs/av_error.h"

namespace shotchain::codecs {

AudioEncoder::AudioEncoder(const AudioEncoderSettings& settings) : settings_(settings) {
  init_ffmpeg_logging();
  const bool pcm = settings_.codec == AudioCodec::pcm_s16le;
  const AVCodec* codec = avcodec_find_encoder(pcm ? AV_CODEC_ID_PCM_S16LE : AV_CODEC_ID_AAC);
  if (!codec) throw Error(Failure::runtime, "audio encoder not available");
  ctx_.reset(avcodec_alloc_context3(codec));
  if (!ctx_) throw std::bad_alloc();
  AVCodecContext* c = ctx_.get();
  c->sample_rate = settings_.sample_rate;
  c->sample_fmt = pcm ? AV_SAMPLE_FMT_S16 : AV_SAMPLE_FMT_FLTP;
  av_channel_layout_default(&c->ch_layout, settings_.channels);
  c->time_base = AVRational{1, settings_.sample_rate};
  if (!pcm) c->bit_rate = settings_.bit_rate;
  if (settings_.global_header) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  int ret = avcodec_open2(c, codec, nullptr);
  if (ret < 0) throw_av(Failure::runtime, ret, codec->name, "cannot open encoder");
  fifo_.reset(av_audio_fifo_alloc(c->sample_fmt, settings_.channels, 4096));
  if (!fifo_) throw std::bad_alloc();
}

void AudioEncoder::send(const Frame* frame) {
  if (flushed_) return;
  if (frame) {
    if (frame->samples() <= 0) return;
    if (av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(frame->av()->extended_data),
                            frame->samples()) < frame->samples())
      throw std::bad_alloc();
    encode_from_fifo(false);
  } else {
    encode_from_fifo(true);
    flushed_ = true;
    int ret = avcodec_send_frame(ctx_.get(), nullptr);
    if (ret < 0 && ret != AVERROR_EOF)
      throw_av(Failure::runtime, ret, ctx_->codec->name, "encode failed");
    drain();
  }
}

void AudioEncoder::encode_from_fifo(bool final) {
  // PCM encoders take any size; use 1024-sample blocks for regular interleaving.
  const int size = ctx_->frame_size > 0 ? ctx_->frame_size : 1024;
  while (av_audio_fifo_size(fifo_.get()) >= size ||
         (final && av_audio_fifo_size(fifo_.get()) > 0)) {
    const int n = std::min(size, av_audio_fifo_size(fifo_.get()));
    Frame f = Frame::audio(n, ctx_->sample_rate, ctx_->ch_layout.nb_channels, ctx_->sample_fmt);
    av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(f.av()->data), n);
    f.av()->pts = next_pts_;
    next_pts_ += n;
    int ret = avcodec_send_frame(ctx_.get(), f.av());
    if (ret < 0) throw_av(Failure::runtime, ret, ctx_->codec->name, "encode failed");
    drain();
  }
}

void AudioEncoder::drain() {
  for (;;) {
    Packet pkt;
    int ret = avcodec_receive_packet(ctx_.get(), pkt.av());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    if (ret < 0) throw_av(Failure::runtime, ret, ctx_->codec->name, "encode failed");
    ready_.push_back(std::move(pkt));
  }
}

bool AudioEncoder::receive(Packet& pkt) {
  if (ready_.empty()) return false;
  av_packet_unref(pkt.av());
  av_packet_move_ref(pkt.av(), ready_.front().av());
  ready_.pop_front();
  return true;
}

} // namespace shotchain::codecs
