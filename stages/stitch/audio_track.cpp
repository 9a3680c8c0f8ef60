#include "stages/stitch/audio_track.h"

#include <algorithm>

#include "codecs/stitch_support.h"

namespace shotchain::stitch {
namespace {

codecs::AudioEncoderSettings settings_for(const codecs::OutputFile& out,
                                          codecs::Container container) {
  codecs::AudioEncoderSettings as;
  as.codec =
      container == codecs::Container::mov ? codecs::AudioCodec::pcm_s16le : codecs::AudioCodec::aac;
  as.sample_rate = AudioTrack::kRate;
  as.channels = AudioTrack::kChannels;
  as.global_header = out.needs_global_header();
  return as;
}

} // namespace

AudioTrack::AudioTrack(codecs::OutputFile& out, codecs::Container container)
    : out_(out), encoder_(settings_for(out, container)) {
  stream_ = out_.add_audio_stream(encoder_);
}

void AudioTrack::begin_clip(bool clip_has_audio) {
  video_known_ = false;
  audio_known_ = false;
  audio_pts_ = codecs::kNoTimestamp;
  clip_start_ = written_;
  base_ = written_;
  pending_.clear();
  pending_pos_ = 0;
  clip_audio_ended_ = false;
  clip_has_no_audio_ = !clip_has_audio;
}

void AudioTrack::video_starts(int64_t pts, codecs::Rational tb) {
  video_known_ = true;
  video_pts_ = pts;
  video_tb_ = tb;
  resolve_base();
}

void AudioTrack::push(codecs::Frame f, int64_t first_pts, codecs::Rational tb) {
  if (f.samples() <= 0) return;
  if (!audio_known_) {
    audio_known_ = true;
    audio_pts_ = first_pts;
    audio_tb_ = tb;
    resolve_base();
  }
  pending_.push_back(std::move(f));
}

// Where the clip's first audio sample falls relative to its first kept video frame.
void AudioTrack::resolve_base() {
  if (!video_known_ || !audio_known_) return;
  if (audio_pts_ == codecs::kNoTimestamp) {
    base_ = clip_start_;
    return;
  }
  base_ = clip_start_ + sample_at(audio_pts_, audio_tb_) - sample_at(video_pts_, video_tb_);
}

void AudioTrack::send(const codecs::Frame& f) {
  out_.encode(encoder_, stream_, &f);
  written_ += f.samples();
}

void AudioTrack::send_silence(int64_t samples) {
  while (samples > 0) {
    const int n = static_cast<int>(std::min<int64_t>(samples, 4800));
    send(codecs::audio_silence(n, kRate, kChannels, encoder_.sample_format()));
    samples -= n;
  }
}

void AudioTrack::release(int64_t limit, bool clip_end) {
  if (!video_known_ && !clip_end) return;
  while (written_ < limit) {
    if (pending_.empty()) {
      if (clip_end || clip_audio_ended_ || clip_has_no_audio_) send_silence(limit - written_);
      return;
    }
    codecs::Frame& front = pending_.front();
    const int64_t pos = base_ + pending_pos_; // sequence position of the first pending sample
    if (pos + front.samples() <= written_) {  // entirely before the write position
      pending_pos_ += front.samples();
      pending_.pop_front();
      continue;
    }
    if (pos > written_) { // a gap before the audio: silence
      send_silence(std::min(pos, limit) - written_);
      continue;
    }
    const int skip = static_cast<int>(written_ - pos);
    const int take = static_cast<int>(std::min<int64_t>(front.samples() - skip, limit - written_));
    if (skip == 0 && take == front.samples())
      send(front);
    else
      send(codecs::audio_slice(front, skip, take));
    if (skip + take == front.samples()) {
      pending_pos_ += front.samples();
      pending_.pop_front();
    } else if (take > 0) {
      // Keep the rest as the front piece, moving its position on.
      codecs::Frame rest = codecs::audio_slice(front, skip + take, front.samples() - skip - take);
      pending_pos_ += skip + take;
      pending_.front() = std::move(rest);
    }
  }
  if (clip_end) pending_.clear();
}

void AudioTrack::finish() { out_.encode(encoder_, stream_, nullptr); }

ClipAudio::ClipAudio(const codecs::InputFile& input, int stream, AudioTrack& track)
    : stream_(stream),
      track_(track),
      decoder_(input, stream),
      resampler_(
          codecs::AudioFormat{AudioTrack::kRate, AudioTrack::kChannels, track.sample_format()}) {}

void ClipAudio::send(const codecs::Packet& packet) {
  decoder_.send(&packet);
  drain();
}

void ClipAudio::drain() {
  while (decoder_.receive(frame_))
    track_.push(resampler_.convert(frame_), frame_.pts(), decoder_.time_base());
}

void ClipAudio::finish() {
  decoder_.send(nullptr);
  drain();
  track_.push(resampler_.flush(), codecs::kNoTimestamp, decoder_.time_base());
  track_.clip_audio_ended();
}

} // namespace shotchain::stitch
