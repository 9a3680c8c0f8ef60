#pragma once
// The sequence's one audio track (internal to the stitch stage, used by both the encode and the
// stream-copy paths): each clip's audio placed against the clip's first kept video frame by
// timestamps, silence where a clip has no audio or its audio starts late or ends early, cut at
// the clip's end, so that audio and video end together however many joins. PCM in MOV, AAC in
// MP4, 48 kHz stereo.
#include <cstdint>
#include <deque>
#include <optional>

#include "codecs/audio_encoder.h"
#include "codecs/audio_resampler.h"
#include "codecs/decoder.h"
#include "codecs/frame.h"
#include "codecs/output_file.h"
#include "codecs/types.h"

namespace shotchain::stitch {

class AudioTrack {
 public:
  static constexpr int kRate = 48000;
  static constexpr int kChannels = 2;

  // Adds the audio stream to `out` (after its video stream).
  AudioTrack(codecs::OutputFile& out, codecs::Container container);

  // The sample format decoded audio must be resampled to.
  int sample_format() const { return encoder_.sample_format(); }
  // Samples written so far; the sequence sample at the start of video time `t` in `tb`.
  int64_t written() const { return written_; }
  static int64_t sample_at(int64_t t, codecs::Rational tb) {
    return codecs::rescale(t, tb, {1, kRate});
  }

  // A clip begins at the current write position.
  void begin_clip(bool clip_has_audio);
  // The clip's first kept video frame has `pts` in `tb`: its audio is placed relative to it.
  void video_starts(int64_t pts, codecs::Rational tb);
  // Decoded clip audio in the track's format; `first_pts` (in `tb`) is that of its first
  // sample, or codecs::kNoTimestamp when it follows the previous piece.
  void push(codecs::Frame f, int64_t first_pts, codecs::Rational tb);
  // The clip's audio has all been pushed.
  void clip_audio_ended() { clip_audio_ended_ = true; }
  // Writes audio up to sequence sample `limit`; `clip_end`: the clip ends there (fill with
  // silence, drop what is left of its audio).
  void release(int64_t limit, bool clip_end);
  // Flushes the encoder (after the last clip).
  void finish();

 private:
  void send(const codecs::Frame& f);
  void send_silence(int64_t samples);
  void resolve_base();

  codecs::OutputFile& out_;
  codecs::AudioEncoder encoder_;
  int stream_ = -1;
  int64_t written_ = 0;

  // per clip
  bool video_known_ = false;
  int64_t video_pts_ = 0;
  codecs::Rational video_tb_{1, 1};
  bool audio_known_ = false;
  int64_t audio_pts_ = 0;
  codecs::Rational audio_tb_{1, 1};
  int64_t clip_start_ = 0, base_ = 0, pending_pos_ = 0;
  std::deque<codecs::Frame> pending_;
  bool clip_audio_ended_ = false, clip_has_no_audio_ = false;
};

// One clip's audio stream, decoded and resampled into the track as its packets are read.
class ClipAudio {
 public:
  ClipAudio(const codecs::InputFile& input, int stream, AudioTrack& track);
  int stream() const { return stream_; }
  void send(const codecs::Packet& packet);
  // The clip's audio is over: flushes the decoder and the resampler into the track.
  void finish();

 private:
  void drain();
  int stream_;
  AudioTrack& track_;
  codecs::AudioDecoder decoder_;
  codecs::AudioResampler resampler_;
  codecs::Frame frame_;
};

} // namespace shotchain::stitch
