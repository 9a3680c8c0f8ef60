#pragma once
// Small pieces the stitch stage needs beyond the general building blocks (owned by
// stitching): the facts that decide whether clips can be stream-copied back to back, packet
// retiming for concatenation, and audio silence/slicing for exact-length audio per clip.
#include <cstdint>
#include <string>

#include "codecs/frame.h"
#include "codecs/input_file.h"
#include "codecs/packet.h"
#include "codecs/types.h"

namespace shotchain::codecs {

struct VideoStreamFacts {
  std::string codec;   // decoder name, e.g. "h264"
  std::string profile; // e.g. "High", "" when unknown
  int width = 0;
  int height = 0;
  std::string pixel_format; // e.g. "yuv420p"
  Rational time_base;
  Rational avg_frame_rate;                               // {0,1} when unknown
  std::string extradata;                                 // codec private data, byte for byte
  std::string field_order;                               // "progressive", "tt", ... or "unknown"
  int64_t start = kNoTimestamp;                          // first pts, in time_base
  int64_t frames = 0;                                    // container's frame count (0 when unknown)
  int64_t duration = 0;                                  // in time_base (0 when unknown)
  bool can_copy_to(const VideoStreamFacts& other) const; // same stream shape for concat

  // ISO/IEC 23001-8 colour codes as the stream declares them (2: unspecified).
  int colour_primaries = 2, colour_transfer = 2, colour_matrix = 2;
};

VideoStreamFacts video_facts(const InputFile& input, int stream);

// Facts of an audio stream that matter to the stitch stage.
struct AudioStreamFacts {
  std::string codec;
  int sample_rate = 0;
  int channels = 0;
};
AudioStreamFacts audio_facts(const InputFile& input, int stream);

// Overwrites a packet's timing (in whatever time base the caller writes it with).
void set_packet_timing(Packet& pkt, int64_t pts, int64_t dts, int64_t duration);

// `samples` of silence in the given format.
Frame audio_silence(int samples, int sample_rate, int channels, int sample_format);
// A copy of samples [offset, offset + count) of `in` (count clamped to what is there).
Frame audio_slice(const Frame& in, int offset, int count);

// The decoded frame's duration in its time base (0 when unknown).
int64_t frame_duration(const Frame& frame);

} // namespace shotchain::codecs

namespace shotchain::codecs {

// Contact-sheet pieces: an 8-bit RGB canvas filled with one colour, a rectangle fill, and a
// picture scaled (aspect kept, padded) into a w x h box at (x, y) of the canvas.
Frame rgb_canvas(int width, int height, uint8_t r, uint8_t g, uint8_t b);
void fill_rect(Frame& canvas, int x, int y, int w, int h, uint8_t r, uint8_t g, uint8_t b);
void draw_picture(Frame& canvas, const Frame& picture, int x, int y, int w, int h);
// A small RGB copy of `picture` fitting w x h (pad), cheap to keep for later drawing.
Frame thumbnail(const Frame& picture, int w, int h);

} // namespace shotchain::codecs
