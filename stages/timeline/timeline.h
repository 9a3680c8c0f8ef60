#pragma once
// Timeline writers: OpenTimelineIO (.otio JSON), FCPXML 1.9 and CMX3600 EDL. Pure text, no
// media access: the caller describes where every clip sits in the sequence. All positions
// are in sequence frames; the sequence starts at timecode `start_frame` (01:00:00:00).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace shotchain::timeline {

struct Rate {
  int num = 25;
  int den = 1;
  // Frames per timecode second (non-drop-frame): 25 for 25, 30 for 30000/1001.
  int nominal() const { return (num + den / 2) / den; }
};

struct Entry {
  std::string name;             // display name (label or file name)
  std::filesystem::path source; // the individual clip (absolute path)
  std::int64_t available = 0;   // the clip's length in sequence frames
  std::int64_t source_in = 0;   // first frame used (e.g. 1 when a join frame was dropped)
  std::int64_t source_out = 0;  // one past the last frame used
  bool has_audio = false;
  std::map<std::string, std::string> metadata; // provenance
  // The clip's own start timecode in sequence frames (0: none); source in/out count from it.
  std::int64_t source_start = 0;
  std::int64_t length() const { return source_out - source_in; }
};

struct Sequence {
  std::string name = "sequence";
  Rate fps;
  int width = 0;
  int height = 0;
  bool has_audio = false;
  std::int64_t start_frame = -1; // record timecode of the first frame; -1: 01:00:00:00
  std::vector<Entry> clips;      // in record order, back to back

  std::int64_t start() const { return start_frame >= 0 ? start_frame : 3600LL * fps.nominal(); }
  std::int64_t frames() const;
};

// HH:MM:SS:FF, non-drop-frame at fps.nominal().
std::string timecode(std::int64_t frame, Rate fps);

// Reel names for the EDL: at most 8 characters of [A-Z0-9_], unique within the list.
std::vector<std::string> reel_names(const std::vector<Entry>& clips);

std::string to_otio(const Sequence& sequence);
std::string to_fcpxml(const Sequence& sequence);
std::string to_edl(const Sequence& sequence);

// Writes `text` to `path` through a temporary file in the same folder and a rename; throws
// shotchain::Error (runtime) naming the file on failure, leaving nothing behind.
void write_text_file(const std::filesystem::path& path, const std::string& text);

} // namespace shotchain::timeline
