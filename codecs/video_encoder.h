#pragma once
// Video encoders: H.264 (libx264, yuv420p, BT.709 tags, CRF) and ProRes (prores_ks: 422,
// 422 HQ at yuv422p10le, 4444 at yuva444p10le, vendor apl0, BT.709 tags). Streaming: send
// frames one at a time, receive packets as they become ready, send nullptr to flush.
#include <string>

#include "codecs/frame.h"
#include "codecs/handles.h"
#include "codecs/packet.h"
#include "codecs/types.h"

namespace shotchain::codecs {

struct VideoEncoderSettings {
  VideoCodec codec = VideoCodec::h264;
  int width = 0;
  int height = 0;
  Rational frame_rate{25, 1};
  int crf = 18;                  // H.264 only
  std::string preset = "medium"; // H.264 only
  int gop = 0;                   // keyframe interval in frames; 0 = encoder default
  int threads = 0;               // 0 = automatic
  bool global_header = false;    // OutputFile::needs_global_header()
};

class VideoEncoder {
 public:
  explicit VideoEncoder(const VideoEncoderSettings& settings);
  const VideoEncoderSettings& settings() const { return settings_; }
  // The pixel format (AVPixelFormat) frames must have; conform with VideoConformer first.
  int pixel_format() const { return ctx_->pix_fmt; }
  // Frames' pts count in this time base (1/frame rate): frame n has pts n.
  Rational time_base() const { return {ctx_->time_base.num, ctx_->time_base.den}; }

  // Sends a frame (pts in time_base()); nullptr flushes. Then receive() until false.
  void send(const Frame* frame);
  bool receive(Packet& pkt);

  AVCodecContext* av() { return ctx_.get(); }
  const AVCodecContext* av() const { return ctx_.get(); }

 private:
  VideoEncoderSettings settings_;
  CodecContextPtr ctx_;
  bool flushed_ = false;
};

// The pixel format a codec's encoder takes (AVPixelFormat).
int encoder_pixel_format(VideoCodec codec);

} // namespace shotchain::codecs
