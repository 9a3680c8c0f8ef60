#pragma once
// probe(): what a media file contains, as plain values (no FFmpeg types), ready to print or
// serialise to JSON.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "codecs/types.h"

namespace shotchain::codecs {

struct StreamInfo {
  int index = 0;
  std::string type;      // "video", "audio", "data", "subtitle", "attachment", "unknown"
  std::string codec;     // "h264", "prores", "aac", ...
  std::string profile;   // "High", "HQ", "LC", "" when none
  std::string codec_tag; // fourcc, e.g. "avc1", "apch"
  int64_t bit_rate = 0;
  double duration = 0; // seconds, 0 when unknown
  std::string language;
  // video
  int width = 0, height = 0;                 // coded picture size
  int display_width = 0, display_height = 0; // after rotation
  int rotation = 0;                          // clockwise degrees applied for display
  std::string pixel_format;                  // "yuv420p", "yuv422p10le", ...
  int bit_depth = 0;
  Rational real_frame_rate;    // r_frame_rate
  Rational average_frame_rate; // avg_frame_rate
  Rational sample_aspect_ratio{1, 1};
  int64_t frame_count = 0; // from the container index (nb_frames), 0 when unknown
  bool variable_frame_rate = false;
  std::string color_primaries, color_transfer, color_matrix, color_range;
  bool attached_picture = false; // cover art
  // audio
  int sample_rate = 0;
  int channels = 0;
  std::string channel_layout; // "stereo", "5.1", ...
  std::string sample_format;
  // any
  std::string timecode; // from stream metadata or a tmcd track
  std::string vendor;   // vendor_id (MOV)
};

struct MediaInfo {
  std::string path;
  std::string container;      // demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
  std::string container_long; // "QuickTime / MOV"
  double duration = 0;        // seconds
  double start_time = 0;      // seconds
  int64_t size_bytes = 0;
  int64_t bit_rate = 0;
  std::string timecode; // start timecode "HH:MM:SS:FF", "" when none
  bool is_image = false;
  std::vector<std::pair<std::string, std::string>> tags; // container metadata
  std::vector<StreamInfo> streams;

  // The main video/audio stream (nullptr when none).
  const StreamInfo* video() const;
  const StreamInfo* audio() const;
};

// Opens `path` like every other reader (same safety rules) and describes it. Throws
// Error(bad_input) naming the file when it is not readable media.
MediaInfo probe(const std::filesystem::path& path);

// Probe result as a JSON object (stable key names, used by `shotchain probe --json`).
std::string to_json(const MediaInfo& info);

} // namespace shotchain::codecs
