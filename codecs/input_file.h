#pragma once
// Opens untrusted media safely and reads packets from it, one at a time (no buffering of the
// file). Safety: only the file protocol, a demuxer whitelist (mov/mp4 family, matroska/webm,
// avi, mpegts, still-image demuxers; never hls or concat), bounded probing, max_pixels, and an
// interrupt callback with a deadline so a hostile file cannot hang the process.
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "codecs/handles.h"
#include "codecs/media_limits.h"
#include "codecs/packet.h"
#include "codecs/types.h"

namespace shotchain::codecs {

// Defaults from codecs/media_limits.h (the one place of the limits).
struct InputOptions {
  double deadline_seconds = kOperationDeadlineSeconds; // each demuxer operation (open, read, seek)
  int64_t probe_bytes = kProbeBytes;                   // probesize
  int64_t analyze_us = kAnalyzeMicroseconds;           // analyzeduration
  int64_t max_pixels = kMaxPixels;                     // per picture, at open and by the decoders
  // false: trust the container's own stream parameters and skip avformat_find_stream_info
  // (which decodes the first pictures). For a file opened again after a full probe, e.g. to
  // stream-copy its packets; pixel format and colour tags may then be unknown.
  bool stream_info = true;
  // Optional external cancellation (e.g. SIGINT): when it becomes true, I/O stops.
  const std::atomic<bool>* cancel = nullptr;
};

class InputFile {
 public:
  // Throws Error(bad_input) naming the file when it is missing, a directory, empty, not a
  // supported media file, or rejected by the whitelist.
  explicit InputFile(const std::filesystem::path& path, const InputOptions& options = {});
  ~InputFile();
  InputFile(InputFile&&) noexcept;
  InputFile& operator=(InputFile&&) noexcept;

  const std::string& path() const { return path_; }
  const InputOptions& options() const { return options_; }
  // The demuxer's short name ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "png_pipe", ...).
  std::string format_name() const;
  // True when the file is a still image (an image demuxer).
  bool is_image() const;

  int stream_count() const;
  // The best video/audio stream index, or -1. Attached pictures (cover art) are not video.
  int video_stream() const;
  int audio_stream() const;
  // video_stream(), or throws Error(bad_input) "<file>: no video stream" (or "is an image" when
  // `allow_image` is false and the file is a still image).
  int require_video_stream(bool allow_image = false) const;

  Rational time_base(int stream) const;
  // Container start time in AV_TIME_BASE (microseconds); 0 when unknown.
  int64_t start_time_us() const;
  // Container duration in microseconds; 0 when unknown.
  int64_t duration_us() const;
  // The start timecode ("HH:MM:SS:FF") from the container, a stream or a tmcd track; "".
  std::string timecode() const;
  // Clockwise rotation in degrees (0, 90, 180, 270) to apply for display.
  int rotation(int stream) const;

  // Reads the next packet of any stream into `pkt` (replacing its contents). Returns false at
  // end of file. Throws Error(bad_input) on corrupt data, Error(runtime) on I/O trouble.
  bool read(Packet& pkt);
  // Seeks so that the next packets start at the last keyframe at or before `ts` (in the
  // stream's time base) of `stream`. Throws on failure.
  void seek(int stream, int64_t ts);
  // Like seek() but reports failure instead of throwing (the position is then unchanged).
  bool try_seek(int stream, int64_t ts);
  // Seeks like seek() but to a time in microseconds on the container clock.
  void seek_us(int64_t us);

  // True when the demuxer seeks by presentation time (MOV/MP4); otherwise ffmpeg's rule of
  // seeking 3/23 s earlier when a stream has B-frames applies (see stages/frame_extract).
  bool seeks_by_pts() const;
  // True when some stream has reordered (B-)frames.
  bool has_reordered_frames() const;

  // Restarts the I/O deadline from now.
  void reset_deadline(double seconds);

  AVFormatContext* av() { return ctx_.get(); }
  const AVFormatContext* av() const { return ctx_.get(); }
  AVStream* stream(int index) const;

 private:
  struct Interrupt;
  std::string path_;
  InputOptions options_;
  std::unique_ptr<Interrupt> interrupt_;
  InputFormatPtr ctx_;
};

// Checks a path before opening: exists, is a regular file, is not empty. Throws
// Error(bad_input) naming it otherwise.
void check_readable_file(const std::filesystem::path& path);

} // namespace shotchain::codecs
