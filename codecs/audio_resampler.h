#pragma once
// Converts audio between sample rates, sample formats and channel layouts (libswresample).
// Streaming: convert() returns what is ready; flush() returns the resampler's tail.
#include "codecs/frame.h"
#include "codecs/handles.h"

namespace shotchain::codecs {

struct AudioFormat {
  int sample_rate = 48000;
  int channels = 2;
  int sample_format = -1; // AVSampleFormat (e.g. the encoder's)
};

class AudioResampler {
 public:
  explicit AudioResampler(const AudioFormat& out);
  // Configures itself from the first frame (and again if the input format changes).
  // The returned frame may be empty (samples() == 0) while the resampler fills up.
  Frame convert(const Frame& in);
  Frame flush();
  const AudioFormat& output_format() const { return out_; }

 private:
  Frame run(const AVFrame* in);
  AudioFormat out_;
  SwrPtr swr_;
  int in_rate_ = 0, in_format_ = -1, in_channels_ = 0;
};

} // namespace shotchain::codecs
