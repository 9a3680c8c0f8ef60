#include "codecs/decoder.h"

#include <stdexcept>

#include "codecs/av_error.h"
#include "codecs/decode_ledger.h"
#include "codecs/known_enums.h"

namespace shotchain::codecs {

Decoder::Decoder(const InputFile& input, int stream, int threads)
    : path_(input.path()), stream_(stream) {
  const AVStream* st = input.stream(stream);
  if (!st) throw_file(Failure::bad_input, path_, "no such stream " + std::to_string(stream));
  tb_ = {st->time_base.num, st->time_base.den};
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec)
    throw_file(Failure::bad_input, path_,
               std::string("no decoder for codec ") + avcodec_get_name(st->codecpar->codec_id));
  ctx_.reset(avcodec_alloc_context3(codec));
  if (!ctx_) throw std::bad_alloc();
  check_av(avcodec_parameters_to_context(ctx_.get(), st->codecpar), Failure::bad_input, path_,
           "bad codec parameters");
  ctx_->pkt_timebase = st->time_base;
  ctx_->thread_count = threads;
  if (threads != 1) ctx_->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  Dictionary opts;
  opts.set("max_pixels", static_cast<long long>(input.options().max_pixels));
  check_av(avcodec_open2(ctx_.get(), codec, opts.out()), Failure::bad_input, path_,
           std::string("cannot open ") + codec->name + " decoder");
}

void Decoder::send(const Packet* pkt) {
  if (pkt && pkt->stream_index() != stream_) return;
  if (eof_sent_) return;
  int ret = avcodec_send_packet(ctx_.get(), pkt ? pkt->av() : nullptr);
  if (!pkt) eof_sent_ = true;
  if (ret == AVERROR(EAGAIN))
    throw std::logic_error("Decoder::send: receive() all frames before sending more");
  if (ret == AVERROR_EOF) return;
  if (ret < 0) {
    if (ret == AVERROR_INVALIDDATA || ret == AVERROR(EINVAL)) {
      ++corrupt_;
      return;
    }
    throw_av(Failure::runtime, ret, path_, "decode failed");
  }
}

bool Decoder::receive(Frame& out) {
  out.unref();
  for (;;) {
    int ret = avcodec_receive_frame(ctx_.get(), out.av());
    if (ret == AVERROR(EAGAIN)) return false;
    if (ret == AVERROR_EOF) {
      drained_ = true;
      return false;
    }
    if (ret == AVERROR_INVALIDDATA) {
      ++corrupt_;
      continue;
    }
    if (ret < 0) throw_av(Failure::runtime, ret, path_, "decode failed");
    clean_enum_fields(out.av());
    if (ctx_->codec_type == AVMEDIA_TYPE_VIDEO) decode_ledger::count(path_);
    out.av()->pts = out.av()->best_effort_timestamp;
    out.set_time_base(tb_);
    return true;
  }
}

bool Decoder::next(InputFile& input, Frame& out) {
  for (;;) {
    if (receive(out)) return true;
    if (drained_) return false;
    if (eof_sent_) {
      // Drained flag not yet seen: receive() returns EOF next.
      if (!receive(out)) return false;
      return true;
    }
    if (input.read(scratch_)) {
      if (scratch_.stream_index() == stream_) send(&scratch_);
    } else {
      send(nullptr);
    }
  }
}

void Decoder::flush() {
  avcodec_flush_buffers(ctx_.get());
  eof_sent_ = false;
  drained_ = false;
}

void Decoder::set_skip_nonref(bool skip) {
  ctx_->skip_frame = skip ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
}

namespace {
int pick_video(const InputFile& in, int stream) {
  return stream >= 0 ? stream : in.require_video_stream(true);
}
int pick_audio(const InputFile& in, int stream) {
  if (stream >= 0) return stream;
  int a = in.audio_stream();
  if (a < 0) throw_file(Failure::bad_input, in.path(), "no audio stream");
  return a;
}
} // namespace

VideoDecoder::VideoDecoder(const InputFile& input, int stream, int threads)
    : Decoder(input, pick_video(input, stream), threads) {}

AudioDecoder::AudioDecoder(const InputFile& input, int stream, int threads)
    : Decoder(input, pick_audio(input, stream), threads) {
  if (ctx_->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
    int n = ctx_->ch_layout.nb_channels;
    av_channel_layout_uninit(&ctx_->ch_layout);
    av_channel_layout_default(&ctx_->ch_layout, n);
  }
}

} // namespace shotchain::codecs
