#pragma once
// Timeline writers: OpenTimelineIO (.otio JSON), FCPXML 1.9 and CMX3600 EDL. Pure text, no
// media access: the caller describes a sequence as events laid back to back, each a range of
// one media file. Record positions count in sequence frames at the sequence's rate; source
// positions count in the media's own frames at the media's own rate, so that an editor's tool
// finds exactly those frames in the file whatever the two rates are.
//
// Rounding: an event's source range runs from `source_in` for `length` sequence frames; where
// it ends between two media frames, the writers round that end down (inward), and
// `within_media` tells whether the whole range lies inside the media. Callers build events that
// pass it (see `frames_within`).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace shotchain::timeline {

struct Rate {
  int num = 25;
  int den = 1;
  // Frames per timecode second: 25 for 25, 30 for 30000/1001.
  int nominal() const { return den > 0 ? (num + den / 2) / den : 0; }
  // 30000/1001 and 60000/1001 (and their multiples) count timecode drop-frame.
  bool drop_frame() const { return den == 1001 && num % 30000 == 0; }
  bool valid() const { return num > 0 && den > 0; }
  friend bool operator==(const Rate& a, const Rate& b) {
    return static_cast<long long>(a.num) * b.den == static_cast<long long>(b.num) * a.den;
  }
};

// The rate an editor's tool gives a file whose average rate is `average`: the nearest of the
// standard rates (23.976 ... 120) when within 5 % of it, which is how variable-rate phone
// footage is conformed; `average` itself otherwise.
Rate media_rate(Rate average);

// One media file as the timelines describe it (OTIO media reference, FCPXML asset and format,
// EDL reel and comments).
struct Media {
  std::filesystem::path path; // absolute
  Rate rate;                  // the media's own frame rate (see media_rate)
  std::int64_t start = 0;     // its start timecode as a frame number at `rate` (0: none)
  bool drop_frame = false;    // its timecode counts drop-frame (';')
  std::int64_t frames = 0;    // its length in frames at `rate`, rounded down
  int width = 0;              // displayed picture size
  int height = 0;
  // ISO/IEC 23001-8 codes of the picture's colour (primaries, transfer, matrix); 2 or 0 each
  // when unknown, and then no colour space is written.
  int colour_primaries = 0;
  int colour_transfer = 0;
  int colour_matrix = 0;
  bool has_video = true;
  bool has_audio = false;
  int audio_channels = 0;
  int audio_rate = 0; // Hz
};

// One event: `length` sequence frames taken from `media`, starting at its frame `source_in`
// (counted from the media's first frame, not from its timecode).
struct Event {
  std::string name; // display name (shot id, label or file name)
  Media media;
  std::int64_t source_in = 0;                  // in media frames
  std::int64_t length = 0;                     // in sequence frames
  std::map<std::string, std::string> metadata; // provenance (OTIO metadata, FCPXML md)
};

struct Sequence {
  std::string name = "sequence";
  Rate rate;
  int width = 0;
  int height = 0;
  int colour_primaries = 1; // as in Media; the default is Rec. 709, what stitch writes
  int colour_transfer = 1;
  int colour_matrix = 1;
  bool has_audio = false;
  int audio_rate = 48000;        // Hz of the sequence's audio (stitch writes 48 kHz)
  std::int64_t start_frame = -1; // record timecode of the first frame; -1: 01:00:00:00
  std::vector<Event> events;     // in record order, back to back

  // The record timecode of the first frame, as a frame number (drop-frame aware).
  std::int64_t start() const;
  std::int64_t frames() const; // the sum of the events' lengths
};

// HH:MM:SS:FF at rate.nominal(), or HH:MM:SS;FF counting drop-frame, of frame number `frame`.
std::string timecode(std::int64_t frame, Rate rate, bool drop_frame);
inline std::string timecode(std::int64_t frame, Rate rate) {
  return timecode(frame, rate, rate.drop_frame());
}
// The frame number of HH:MM:SS:FF at `rate` (drop-frame when `drop_frame`).
std::int64_t timecode_frame(int hours, int minutes, int seconds, int frames, Rate rate,
                            bool drop_frame);

// How many whole frames at `to` fit in `frames` frames at `from` (rounded down).
std::int64_t frames_within(std::int64_t frames, Rate from, Rate to);
// One past the last media frame an event shows, rounded down (so never past what it uses).
std::int64_t source_out(const Event& event, Rate sequence);
// Whether the event's source range, source_in + length sequence frames, lies within its media.
bool within_media(const Event& event, Rate sequence);

// Reel names for the EDL: at most 8 characters of [A-Z0-9_] taken from the file names, unique
// within the list (the same file keeps the same reel).
std::vector<std::string> reel_names(const std::vector<std::filesystem::path>& sources);

// Text for the 7-bit ASCII of an EDL comment: bytes outside printable ASCII and '%' itself
// become %XX (the UTF-8 bytes in hexadecimal, as in a URL), so the original can be recovered.
std::string ascii_escape(const std::string& text);
// file:///abs/path with everything but [A-Za-z0-9/._~-] percent-encoded.
std::string file_url(const std::filesystem::path& path);

std::string to_otio(const Sequence& sequence);
std::string to_fcpxml(const Sequence& sequence);
std::string to_edl(const Sequence& sequence);

} // namespace shotchain::timeline
