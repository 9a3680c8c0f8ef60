#pragma once
// What the stitch stage tells the timeline writers: each clip as media counted in its own
// rate, each clip's place in the sequence, and the sequence's start timecode. The stage's
// record lengths obey the same rounding (record_frames_cap), so timelines and the sequence
// agree frame for frame and no source range passes the end of its media.
#include <cstdint>
#include <filesystem>
#include <string>

#include "codecs/stitch_support.h"
#include "stages/stitch/stitch.h"
#include "stages/timeline/timeline.h"

namespace shotchain::stitch {

// A probed clip as the timelines describe it. `timecode` is the clip's own start timecode
// ("" when none); `audio` is null without an audio stream; `container_us` the container's
// duration (0 when unknown), used when the stream's own length is unknown.
timeline::Media describe_media(const std::filesystem::path& path,
                               const codecs::VideoStreamFacts& video, codecs::Size display,
                               const std::string& timecode, const codecs::AudioStreamFacts* audio,
                               std::int64_t container_us);

// The most sequence frames at `fps` a clip fills from its media frame `source_in` on without
// passing the end of the media (INT64_MAX when the media's length is unknown).
std::int64_t record_frames_cap(const timeline::Media& media, std::int64_t source_in, Rational fps);

// The sequence a stitch result describes, ready for the timeline writers.
timeline::Sequence sequence_of(const Result& result, const Options& options);

// The start timecode written into the sequence file: 01:00:00:00, or 01:00:00;00 at 29.97
// and 59.94 (drop-frame).
std::string start_timecode(Rational fps);
// The timecode of sequence frame `record_in` (from that start).
std::string record_timecode(Rational fps, std::int64_t record_in);

} // namespace shotchain::stitch
