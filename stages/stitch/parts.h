#pragma once
// What the parts of the stitch stage share (internal; not installed for hosts to use): the
// facts of a probed clip, progress and cancellation, the contact-sheet pictures, and the
// entry points of each part: clip checks (clip_checks.cpp), join measurement (joins.cpp), the
// copy path (copy_path.cpp), the encode path (encode_path.cpp), the side files
// (side_files.cpp). stitch.cpp chooses between the paths.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "codecs/frame.h"
#include "codecs/output_file.h"
#include "codecs/stitch_support.h"
#include "stages/stitch/contact_sheet.h"
#include "stages/stitch/stitch.h"
#include "stages/stitch/timeline_inputs.h"

namespace shotchain::stitch {

struct ClipInfo {
  std::filesystem::path path;
  std::string tag; // "clip 2 of 5 (path)"
  int video_stream = -1;
  int audio_stream = -1;
  int rotation = 0;
  codecs::Size display;
  codecs::VideoStreamFacts facts;
  std::int64_t est_frames = 0;
  std::string timecode; // the clip's own start timecode ("" when it has none)
  timeline::Media media;
};

struct Sink {
  const Options& options;
  std::size_t clip_count;
  std::int64_t frames_total;
  void report(std::size_t clip, std::int64_t done, const char* phase) const {
    if (options.progress) options.progress({clip, clip_count, done, frames_total, phase});
  }
  void check_cancel() const {
    if (options.cancel) options.cancel->throw_if_requested("stitch " + options.output.string());
  }
};

// Per-clip pictures for the contact sheet: first, middle, last (small RGB copies).
struct Thumbs {
  codecs::Frame first, middle, last;
};
inline constexpr int kThumbWidth = 240;
int thumb_height(codecs::Size s);

// The contact sheet as the clips go by (side_files.cpp): each clip's row is drawn and written
// as soon as the clip is done, so memory holds one row whatever the number of clips.
class SheetWriter {
 public:
  SheetWriter(const Options& o, std::size_t clips, codecs::Size picture);
  // Clip `clip` (just reported) with its pictures.
  void add(const ClipReport& clip, const Thumbs& t);
  void commit(Result& r);

 private:
  ContactSheet sheet_;
  std::filesystem::path path_;
  Rational fps_;
};

// ---- clip checks (clip_checks.cpp)
std::string tag_for(std::size_t i, std::size_t n, const std::filesystem::path& p);
// Rethrows the exception being handled as bad input naming the clip and position.
[[noreturn]] void rethrow_for_clip(const std::string& tag);
ClipInfo probe_clip(const Clip& clip, std::size_t i, std::size_t n);
bool any_audio(const std::vector<ClipInfo>& clips);
// What the reports say of a clip whatever happens to it.
ClipReport report_for(const Clip& clip, const ClipInfo& info);
// Why the clips cannot be stream-copied back to back ("" when they can).
std::string copy_blocker(const std::vector<ClipInfo>& clips, const Options& o,
                         codecs::Container container);
// Whether the clips are already in the codec an encode would write (`copy_when_same`).
bool clips_are_in(const std::vector<ClipInfo>& clips, codecs::VideoCodec codec);
codecs::VideoCodec encode_codec(Codec c, codecs::Container container);
// Hands freed decoder/packet memory back to the system between clips.
void release_free_memory();

// ---- joins (joins.cpp)
codecs::Frame decode_last_frame(const ClipInfo& clip);
std::pair<codecs::Frame, codecs::Frame> decode_first_two(const ClipInfo& clip);
JoinReport measure_join(std::size_t index, const codecs::Frame& last, const codecs::Frame& first,
                        const codecs::Frame& second);
// Copy mode with dedupe: every join measured on the decoded pictures; `why` gets the reason
// a drop forbids copying.
std::vector<JoinReport> measure_copy_joins(const std::vector<ClipInfo>& clips, const Sink& sink,
                                           std::string& why);

// ---- the two paths
void run_copy(const std::vector<Clip>& input, const std::vector<ClipInfo>& clips, const Options& o,
              Result& r, SheetWriter* sheet, const Sink& sink);
void run_encode(const std::vector<Clip>& input, const std::vector<ClipInfo>& clips,
                const Options& o, Result& r, SheetWriter* sheet, const Sink& sink);

// ---- side files (side_files.cpp)
std::filesystem::path side_path(const std::filesystem::path& output, const char* ext);
// Every file a run writes, with what it is ("output", "timeline", ...).
std::vector<std::pair<std::filesystem::path, std::string>> outputs_of(const Options& o);
// The sequence file's container options: timecode 01:00:00:00, metadata, faststart for MP4.
codecs::OutputOptions output_options(const Options& o);
// Checks the outputs before any work: writable folders, none is an input, none twice.
void check_outputs(const std::vector<Clip>& input, const Options& o);
// Timelines, the contact sheet (committed), QC report; appended to r.written.
void write_side_files(const Options& o, Result& r, SheetWriter* sheet);

} // namespace shotchain::stitch
