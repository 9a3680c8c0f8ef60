#pragma once
// A muxer that writes MOV or MP4 (by the target's extension) to a temporary name beside the
// target and renames it on commit(); destroyed uncommitted, it removes the temporary file, so
// a failure never leaves a half-written output. Streams come from encoders or are copied from
// an input stream (remux/concat without decoding). Packets are written interleaved as they
// come (nothing is buffered here beyond the muxer's interleaving queue).
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "codecs/audio_encoder.h"
#include "codecs/handles.h"
#include "codecs/input_file.h"
#include "codecs/packet.h"
#include "codecs/types.h"
#include "codecs/video_encoder.h"

namespace shotchain::codecs {

struct OutputOptions {
  bool faststart = true; // moov before mdat (MP4 and MOV)
  // Start timecode "HH:MM:SS:FF" (or ';' for drop frame) written as a tmcd track in MOV (and
  // as metadata in MP4); empty = none. Its rate is the video stream's frame rate.
  std::string timecode;
  // Container-level metadata (title, comment, ...).
  std::vector<std::pair<std::string, std::string>> metadata;
};

class OutputFile {
 public:
  // Throws Error(bad_input) naming the target when its folder does not exist or the extension
  // is not .mov/.mp4/.m4v.
  explicit OutputFile(const std::filesystem::path& target, const OutputOptions& options = {});
  ~OutputFile(); // removes the temporary file unless commit() succeeded
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  Container container() const { return container_; }
  const std::filesystem::path& target() const { return target_; }
  const std::filesystem::path& temp_path() const { return temp_; }
  // Encoders feeding this file must be built with global_header = this.
  bool needs_global_header() const;

  // Adding streams (before the first write). Each returns the output stream index.
  int add_video_stream(const VideoEncoder& encoder);
  int add_audio_stream(const AudioEncoder& encoder);
  // Copies codec parameters (and time base, rotation, language) of `in_stream` of `input`.
  int add_copy_stream(const InputFile& input, int in_stream);
  void set_stream_metadata(int stream, const std::string& key, const std::string& value);
  // Writes a display matrix asking players to rotate `stream` clockwise by `degrees`.
  void set_rotation(int stream, int degrees);
  void set_timecode(const std::string& timecode) { options_.timecode = timecode; }

  // Writes one packet whose timestamps are in `tb`; it is rescaled to the stream's time base
  // and written interleaved. The header is written before the first packet.
  void write(Packet& pkt, int stream, Rational tb);
  // Sends `frame` (nullptr to flush) to the encoder and writes every packet it returns.
  void encode(VideoEncoder& encoder, int stream, const Frame* frame);
  void encode(AudioEncoder& encoder, int stream, const Frame* frame);

  // Writes the trailer, closes and renames the temporary file onto the target.
  void commit();

  AVFormatContext* av() { return ctx_.get(); }

 private:
  void begin();
  std::filesystem::path target_;
  std::filesystem::path temp_;
  OutputOptions options_;
  Container container_;
  OutputFormatPtr ctx_;
  std::vector<Rational> encoder_tb_; // per stream: tb of packets from its encoder
  bool header_written_ = false;
  bool committed_ = false;
};

} // namespace shotchain::codecs
