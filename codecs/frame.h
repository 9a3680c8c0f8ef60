#pragma once
// An owning decoded picture or block of audio samples, with its timestamp and time base.
#include <string>

#include "codecs/handles.h"
#include "codecs/types.h"

namespace shotchain::codecs {

class Frame {
 public:
  Frame(); // an empty frame (no buffers)
  // Moving leaves the source a valid empty frame (it can receive() again).
  Frame(Frame&& other);
  Frame& operator=(Frame&& other);
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;
  // A new video frame with buffers: `pixel_format` is an AVPixelFormat.
  static Frame video(int width, int height, int pixel_format);
  // A new audio frame with buffers: `sample_format` is an AVSampleFormat.
  static Frame audio(int samples, int sample_rate, int channels, int sample_format);

  bool empty() const { return f_->buf[0] == nullptr && f_->data[0] == nullptr; }
  int width() const { return f_->width; }
  int height() const { return f_->height; }
  int pixel_format() const { return f_->format; } // AVPixelFormat for video
  std::string pixel_format_name() const;
  int sample_format() const { return f_->format; } // AVSampleFormat for audio
  int samples() const { return f_->nb_samples; }
  int sample_rate() const { return f_->sample_rate; }
  int channels() const { return f_->ch_layout.nb_channels; }

  // Presentation timestamp in time_base() units (kNoTimestamp when unknown).
  int64_t pts() const { return f_->pts; }
  void set_pts(int64_t pts) { f_->pts = pts; }
  Rational time_base() const { return tb_; }
  void set_time_base(Rational tb) { tb_ = tb; }
  // pts in seconds (NaN when unknown).
  double seconds() const;

  // A deep copy (new buffers) with the same properties.
  Frame clone() const;
  // A new reference to the same buffers (cheap).
  Frame ref() const;
  void unref() { av_frame_unref(f_.get()); }

  AVFrame* av() { return f_.get(); }
  const AVFrame* av() const { return f_.get(); }

 private:
  FramePtr f_;
  Rational tb_{1, 1};
};

} // namespace shotchain::codecs
