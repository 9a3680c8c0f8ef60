#pragma once
// The stitch stage: conform and concatenate clips into one sequence (MOV for NLEs or MP4),
// optionally dropping the duplicated frame at chained joins (decided by measurement), and
// write the files that go beside it: timelines (OTIO, FCPXML, CMX3600 EDL), a QC report and
// a contact sheet. The pipeline calls this as its assemble stage; `shotchain stitch` is a thin
// front end. No FFmpeg type appears here.
//
// Errors: throws shotchain::Error. Bad input (no clips, a clip that cannot be opened, has no
// video or no frames, output equal to an input, an unwritable output folder) is
// Failure::bad_input and names the clip and its 1-based position; nothing is left behind.
// Cancellation (Options::cancel requested) throws Failure::interrupted, also leaving nothing
// behind.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace shotchain::codecs {
class Frame;
}

#include "codecs/types.h"
#include "stages/stage.h"
#include "stages/timeline/timeline.h"

namespace shotchain::stitch {

// What to do with the video: copy when every clip allows it and encode otherwise (automatic:
// ProRes HQ for .mov, H.264 for .mp4), copy or fail, or encode with one encoder.
enum class Codec { automatic, copy, h264, prores, prores_hq, prores_4444 };
using codecs::Fit;
using codecs::Rational;
using codecs::Size;

// One input clip. `label` names it in timelines, QC and the contact sheet (default: the file
// name); `metadata` is provenance (model, prompt, prediction id, ...) carried into the OTIO
// clip metadata and the QC report.
struct Clip {
  std::filesystem::path path;
  std::string label;
  std::map<std::string, std::string> metadata;
};

struct Timelines {
  bool otio = false;   // <output stem>.otio
  bool fcpxml = false; // <output stem>.fcpxml
  bool edl = false;    // <output stem>.edl
  bool any() const { return otio || fcpxml || edl; }
};

struct Progress {
  std::size_t clip_index = 0; // 0-based clip being worked on
  std::size_t clip_count = 0;
  std::int64_t frames_done = 0;  // sequence frames written so far
  std::int64_t frames_total = 0; // expected sequence frames (before join drops)
  std::string phase;             // "probe", "measure", "copy", "encode", "outputs"
};

// The join between clip `index` and clip `index + 1`.
struct JoinReport {
  std::size_t index = 0;
  bool measured = false;  // false when --dedupe-joins was off
  double psnr_first = 0;  // luma PSNR (dB) of clip N's last frame vs clip N+1's first
  double psnr_second = 0; // ... vs clip N+1's second frame (0 when it has one frame)
  bool dropped = false;   // clip N+1's first frame was dropped
  std::string reason;     // why (or why not)
};

struct Options {
  std::filesystem::path output; // .mov or .mp4
  Codec codec = Codec::automatic;
  Rational fps{25, 1};
  std::optional<Size> size; // default: the first clip's displayed size (rotation applied)
  Fit fit = Fit::pad;
  bool dedupe_joins = false;
  Timelines timelines;
  std::filesystem::path qc_json;       // empty: no QC report
  std::filesystem::path contact_sheet; // empty: no contact sheet (PNG)
  // Written into the container's metadata (provenance), e.g. {"comment", "..."}.
  std::vector<std::pair<std::string, std::string>> container_metadata;
  std::function<void(const Progress&)> progress; // may be empty
  const CancelToken* cancel = nullptr;           // may be null (stages/stage.h)

  // Building a sequence piece by piece (the pipeline encodes each generated segment once,
  // then copies the pieces together):
  // - `lead_frame`: an image of the picture just before the first clip (the previous piece's
  //   last frame). With dedupe_joins, the first clip's first frame is measured against it and
  //   dropped by the same rule as at any join (encode path only); see Result::lead_join.
  // - `decided_joins`: the joins between the clips, decided already by the pieces (which
  //   dropped their duplicated first frames themselves): reported as given, never measured
  //   or dropped again, so the copy path stays open.
  // - `copy_when_same`: with an encoder named in `codec`, copy when the clips allow it and
  //   are in that codec already (same profile); encode otherwise.
  std::filesystem::path lead_frame;
  std::optional<std::vector<JoinReport>> decided_joins;
  bool copy_when_same = false;
  int threads = 0; // encoder threads (0: as many as useful); when set, clips decode on one thread
  // Encode path only: called with every decoded picture, in decoding order, before it is
  // conformed, so a caller can verify a clip in the same decode that encodes it.
  std::function<void(const codecs::Frame& decoded)> on_decoded;
};

struct ClipReport {
  std::filesystem::path path;
  std::string label;
  std::map<std::string, std::string> metadata;
  Size source_size;            // coded size
  int rotation = 0;            // degrees, as displayed (0, 90, 180, 270)
  Rational source_fps{0, 1};   // average frame rate of the source
  std::string source_timecode; // the clip's own start timecode ("" when none)
  // The clip as timelines describe it: its own rate, length, timecode, format and audio.
  timeline::Media media;
  bool has_audio = false;
  std::int64_t frames_in = 0;     // decoded (or copied) source frames
  std::int64_t frames_out = 0;    // frames this clip contributes to the sequence
  std::int64_t dropped_first = 0; // 1 when its first frame was dropped at the join before it
  std::int64_t record_in = 0;     // first sequence frame (0-based) this clip occupies
  std::vector<std::string> conform_actions; // e.g. "rotate 90", "scale 1920x1080->1366x768 pad"
};

struct Result {
  std::vector<ClipReport> clips;
  std::vector<JoinReport> joins;
  std::optional<JoinReport> lead_join; // the join with Options::lead_frame, when measured
  bool stream_copied = false;
  std::string video_codec; // "prores", "h264", or the copied codec's name
  Size size;
  Rational fps{25, 1};
  std::int64_t frames = 0; // sequence video frames
  double duration = 0;     // seconds of video
  bool has_audio = false;
  double audio_duration = 0;                  // seconds of audio (0 without audio)
  bool constant_rate = false;                 // every frame lasts exactly 1/fps
  bool timestamps_increasing = false;         // strictly increasing video timestamps
  std::vector<std::filesystem::path> written; // the sequence first, then side files
};

// Runs the whole stage. Writes every output atomically (temporary name in the destination
// folder, renamed at the end).
Result stitch(const std::vector<Clip>& clips, const Options& options);

// The size an encode of `clip` defaults to: its displayed size (rotation applied), even.
// Throws bad input naming the clip when it cannot be read.
Size default_size(const std::filesystem::path& clip);

// Parsing helpers shared with the command line and the job spec. Each throws
// Failure::bad_input naming `what` on a bad value.
Codec parse_codec(const std::string& text, const std::string& what = "--codec");
Fit parse_fit(const std::string& text, const std::string& what = "--fit");
Rational parse_fps(const std::string& text,
                   const std::string& what = "--fps"); // 25, 29.97, 30000/1001
Size parse_size(const std::string& text, const std::string& what = "--size"); // WxH
Timelines parse_timelines(const std::string& text, const std::string& what = "--timeline");
const char* to_string(Codec codec); // to_string(Fit) is codecs::to_string
// The encoder a codec choice names (nullopt for automatic and copy).
std::optional<codecs::VideoCodec> encoder_of(Codec codec);

} // namespace shotchain::stitch
