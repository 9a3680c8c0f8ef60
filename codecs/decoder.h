#pragma once
// Decoders for one stream of an InputFile: send packets, receive frames (streaming; nothing
// is buffered beyond what the codec itself holds). Frames carry pts in the stream's time base
// (the best-effort timestamp), so frame.seconds() is the presentation time.
#include "codecs/frame.h"
#include "codecs/handles.h"
#include "codecs/input_file.h"
#include "codecs/packet.h"

namespace shotchain::codecs {

class Decoder {
 public:
  // Opens the decoder for `stream` of `input`; threads 0 = as many as useful.
  // Throws Error(bad_input) naming the file when the codec is unsupported.
  Decoder(const InputFile& input, int stream, int threads = 0);
  virtual ~Decoder() = default;
  Decoder(Decoder&&) noexcept = default;
  Decoder& operator=(Decoder&&) noexcept = default;

  int stream_index() const { return stream_; }
  Rational time_base() const { return tb_; }

  // Feeds one packet of this stream (others are ignored); nullptr signals end of input.
  // Corrupt packets are counted and skipped, as ffmpeg does.
  void send(const Packet* pkt);
  // Takes the next decoded frame; false when the decoder needs more input (or is drained).
  bool receive(Frame& out);
  // Pulls packets from `input` until a frame of this stream is decoded (packets of other
  // streams are dropped). False at end of stream after draining.
  bool next(InputFile& input, Frame& out);
  // After a seek: drops everything buffered so decoding restarts cleanly.
  void flush();
  // Skips frames no other frame depends on (for seeking): exact for the frames that remain.
  // Takes effect from the next packet sent.
  void set_skip_nonref(bool skip);
  bool drained() const { return drained_; }
  int corrupt_packets() const { return corrupt_; }

  AVCodecContext* av() { return ctx_.get(); }
  const AVCodecContext* av() const { return ctx_.get(); }

 protected:
  std::string path_;
  int stream_ = -1;
  Rational tb_{1, 1};
  CodecContextPtr ctx_;
  bool eof_sent_ = false;
  bool drained_ = false;
  int corrupt_ = 0;
  Packet scratch_;
};

class VideoDecoder : public Decoder {
 public:
  // `stream` -1 means the file's main video stream (throws bad_input if there is none).
  explicit VideoDecoder(const InputFile& input, int stream = -1, int threads = 0);
  int width() const { return ctx_->width; }
  int height() const { return ctx_->height; }
  int pixel_format() const { return ctx_->pix_fmt; }
};

class AudioDecoder : public Decoder {
 public:
  // `stream` -1 means the file's main audio stream (throws bad_input if there is none).
  explicit AudioDecoder(const InputFile& input, int stream = -1, int threads = 1);
  int sample_rate() const { return ctx_->sample_rate; }
  int channels() const { return ctx_->ch_layout.nb_channels; }
  int sample_format() const { return ctx_->sample_fmt; }
};

} // namespace shotchain::codecs
