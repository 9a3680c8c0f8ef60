#include "codecs/audio_resampler.h"

#include <stdexcept>

#include "codecs/av_error.h"

namespace shotchain::codecs {

AudioResampler::AudioResampler(const AudioFormat& out) : out_(out) {
  if (out_.sample_format < 0 || out_.sample_rate <= 0 || out_.channels <= 0)
    throw std::invalid_argument("AudioResampler: incomplete output format");
}

Frame AudioResampler::convert(const Frame& in) {
  const AVFrame* f = in.av();
  if (!swr_ || f->sample_rate != in_rate_ || f->format != in_format_ ||
      f->ch_layout.nb_channels != in_channels_) {
    AVChannelLayout in_layout{}, out_layout{};
    if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || f->ch_layout.nb_channels == 0)
      av_channel_layout_default(&in_layout, std::max(1, f->ch_layout.nb_channels));
    else
      av_channel_layout_copy(&in_layout, &f->ch_layout);
    av_channel_layout_default(&out_layout, out_.channels);
    SwrContext* raw = nullptr;
    int ret = swr_alloc_set_opts2(
        &raw, &out_layout, static_cast<AVSampleFormat>(out_.sample_format), out_.sample_rate,
        &in_layout, static_cast<AVSampleFormat>(f->format), f->sample_rate, 0, nullptr);
    av_channel_layout_uninit(&in_layout);
    av_channel_layout_uninit(&out_layout);
    swr_.reset(raw);
    if (ret < 0 || swr_init(swr_.get()) < 0)
      throw std::runtime_error("cannot configure the audio resampler");
    in_rate_ = f->sample_rate;
    in_format_ = f->format;
    in_channels_ = f->ch_layout.nb_channels;
  }
  return run(f);
}

Frame AudioResampler::flush() {
  if (!swr_) return Frame();
  return run(nullptr);
}

Frame AudioResampler::run(const AVFrame* in) {
  const int in_samples = in ? in->nb_samples : 0;
  const int capacity = swr_get_out_samples(swr_.get(), in_samples) + 16;
  Frame out =
      Frame::audio(std::max(capacity, 1), out_.sample_rate, out_.channels, out_.sample_format);
  int got = swr_convert(swr_.get(), out.av()->data, capacity,
                        in ? const_cast<const uint8_t**>(in->extended_data) : nullptr, in_samples);
  if (got < 0) throw std::runtime_error("audio resampling failed");
  out.av()->nb_samples = got;
  return out;
}

} // namespace shotchain::codecs
