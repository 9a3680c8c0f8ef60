#include "stages/stitch/timeline_inputs.h"

#include <algorithm>
#include <limits>

namespace shotchain::stitch {

namespace {
timeline::Rate rate_of(Rational r) { return {r.num, r.den}; }

// The media's length in whole frames at `rate`, from what the container says.
std::int64_t media_frames(const codecs::VideoStreamFacts& video, timeline::Rate rate,
                          std::int64_t container_us) {
  if (!rate.valid()) return video.frames;
  const bool constant = rate_of(video.avg_frame_rate) == rate;
  if (constant && video.frames > 0) return video.frames;
  if (video.duration > 0 && video.time_base.valid())
    return video.duration * video.time_base.num * rate.num /
           (static_cast<std::int64_t>(video.time_base.den) * rate.den);
  if (container_us > 0) return container_us * rate.num / (1000000LL * rate.den);
  return 0;
}
} // namespace

timeline::Media describe_media(const std::filesystem::path& path,
                               const codecs::VideoStreamFacts& video, codecs::Size display,
                               const std::string& timecode, const codecs::AudioStreamFacts* audio,
                               std::int64_t container_us) {
  timeline::Media m;
  m.path = std::filesystem::absolute(path);
  m.rate = timeline::media_rate(rate_of(video.avg_frame_rate));
  m.frames = media_frames(video, m.rate, container_us);
  m.width = display.width;
  m.height = display.height;
  m.colour_primaries = video.colour_primaries;
  m.colour_transfer = video.colour_transfer;
  m.colour_matrix = video.colour_matrix;
  // The clip's own timecode counts at its own rate, drop-frame when it says so (';').
  m.drop_frame = m.rate.drop_frame();
  if (!timecode.empty() && m.rate.valid()) {
    if (auto start = codecs::timecode_frame(timecode, {m.rate.num, m.rate.den})) {
      m.start = *start;
      m.drop_frame = timecode.find(';') != std::string::npos;
    }
  }
  if (audio) {
    m.has_audio = true;
    m.audio_channels = audio->channels;
    m.audio_rate = audio->sample_rate;
  }
  return m;
}

std::int64_t record_frames_cap(const timeline::Media& media, std::int64_t source_in, Rational fps) {
  if (media.frames <= 0) return std::numeric_limits<std::int64_t>::max();
  return timeline::frames_within(std::max<std::int64_t>(0, media.frames - source_in), media.rate,
                                 rate_of(fps));
}

timeline::Sequence sequence_of(const Result& r, const Options& o) {
  timeline::Sequence seq;
  seq.name = o.output.stem().string();
  seq.rate = rate_of(o.fps);
  seq.width = r.size.width;
  seq.height = r.size.height;
  seq.has_audio = r.has_audio;
  if (r.stream_copied && !r.clips.empty()) { // the copied pictures keep their colour tags
    seq.colour_primaries = r.clips[0].media.colour_primaries;
    seq.colour_transfer = r.clips[0].media.colour_transfer;
    seq.colour_matrix = r.clips[0].media.colour_matrix;
  }
  for (const auto& c : r.clips) {
    timeline::Event e;
    e.name = c.label;
    e.media = c.media;
    // A length the container did not tell is what was read; copied packets are all there.
    if (e.media.frames <= 0 || (r.stream_copied && e.media.frames < c.frames_in))
      e.media.frames = c.frames_in;
    e.source_in = c.dropped_first;
    e.length = c.frames_out;
    e.metadata = c.metadata;
    seq.events.push_back(std::move(e));
  }
  return seq;
}

std::string record_timecode(Rational fps, std::int64_t record_in) {
  timeline::Sequence seq;
  seq.rate = rate_of(fps);
  return timeline::timecode(seq.start() + record_in, seq.rate);
}

std::string start_timecode(Rational fps) { return record_timecode(fps, 0); }

} // namespace shotchain::stitch
