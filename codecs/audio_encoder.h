#pragma once
// Audio encoders: PCM s16le (for MOV next to ProRes) and AAC (for MP4/H.264). Takes any
// number of samples per send() in the encoder's format (resample first with AudioResampler);
// an internal FIFO cuts them into the encoder's frame size. Output pts count samples from 0.
#include <deque>

#include "codecs/frame.h"
#include "codecs/handles.h"
#include "codecs/packet.h"
#include "codecs/types.h"

namespace shotchain::codecs {

struct AudioEncoderSettings {
  AudioCodec codec = AudioCodec::aac;
  int sample_rate = 48000;
  int channels = 2;
  int bit_rate = 192000;      // AAC only
  bool global_header = false; // OutputFile::needs_global_header()
};

class AudioEncoder {
 public:
  explicit AudioEncoder(const AudioEncoderSettings& settings);
  const AudioEncoderSettings& settings() const { return settings_; }
  int sample_format() const { return ctx_->sample_fmt; } // AVSampleFormat
  Rational time_base() const { return {1, ctx_->sample_rate}; }

  // Queues samples (any count); nullptr flushes the FIFO tail and the encoder.
  void send(const Frame* frame);
  bool receive(Packet& pkt);

  AVCodecContext* av() { return ctx_.get(); }
  const AVCodecContext* av() const { return ctx_.get(); }

 private:
  void encode_from_fifo(bool final);
  void drain();
  AudioEncoderSettings settings_;
  CodecContextPtr ctx_;
  AudioFifoPtr fifo_;
  int64_t next_pts_ = 0;
  bool flushed_ = false;
  std::deque<Packet> ready_;
};

} // namespace shotchain::codecs
