// The stitch stage: checks (bad input named by clip and position), then either stream copy
// (every clip matches) or conform + encode once, then the side files. The parts live in
// clip_checks.cpp, joins.cpp, copy_path.cpp, encode_path.cpp and side_files.cpp.
#include "stages/stitch/stitch.h"

#include <optional>

#include "common/cpu_time.h"
#include "stages/stitch/parts.h"

namespace shotchain::stitch {
namespace {

void check_request(const std::vector<Clip>& input, const Options& o) {
  if (input.empty()) throw Error(Failure::bad_input, "stitch: no clips given");
  if (o.output.empty()) throw Error(Failure::bad_input, "stitch: no output given (-o)");
  const auto container = codecs::container_for_path(o.output.string());
  if (!container)
    throw Error(Failure::bad_input, o.output.string() + ": output must end in .mov or .mp4");
  if (*container == codecs::Container::mp4 && encoder_of(o.codec) &&
      codecs::is_prores(*encoder_of(o.codec)))
    throw Error(Failure::bad_input, o.output.string() +
                                        ": ProRes goes into .mov, not .mp4 (--codec " +
                                        to_string(o.codec) + ")");
  if (!o.contact_sheet.empty() && o.contact_sheet.extension() != ".png")
    throw Error(Failure::bad_input, o.contact_sheet.string() + ": contact sheet must be a .png");
  check_outputs(input, o);
}

// Whether to copy; `joins` gets the joins measured on the way (copy with dedupe). Throws
// bad input when copy was demanded and is impossible.
bool choose_copy(const std::vector<ClipInfo>& clips, const Options& o, codecs::Container container,
                 const Sink& sink, std::vector<JoinReport>& joins) {
  const bool may_copy = o.codec == Codec::copy || o.codec == Codec::automatic ||
                        (o.copy_when_same && clips_are_in(clips, encode_codec(o.codec, container)));
  if (!may_copy) return false;
  std::string why = copy_blocker(clips, o, container);
  if (why.empty() && o.decided_joins) {
    joins = *o.decided_joins;
  } else if (why.empty() && o.dedupe_joins && clips.size() > 1) {
    // A drop would need re-encoding.
    joins = measure_copy_joins(clips, sink, why);
  }
  if (why.empty()) return true;
  if (o.codec == Codec::copy)
    throw Error(Failure::bad_input, "--codec copy: cannot stream-copy: " + why);
  return false;
}

} // namespace

Result stitch(const std::vector<Clip>& input, const Options& o) {
  MediaCpuScope media_cpu;
  check_request(input, o);
  const auto container = *codecs::container_for_path(o.output.string());

  std::vector<Clip> clips_in = input;
  for (auto& c : clips_in)
    if (c.label.empty()) c.label = c.path.filename().string();

  Sink sink{o, input.size(), 0};
  std::vector<ClipInfo> clips;
  clips.reserve(input.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    sink.check_cancel();
    sink.report(i, 0, "probe");
    clips.push_back(probe_clip(clips_in[i], i, input.size()));
    sink.frames_total += clips.back().est_frames;
  }

  Result r;
  r.fps = o.fps;
  // The contact sheet's cells: thumbnails of the output's picture size.
  std::optional<SheetWriter> sheet;
  if (!o.contact_sheet.empty())
    sheet.emplace(o, clips.size(),
                  o.size ? codecs::Size{o.size->width, o.size->height} : clips[0].display);
  SheetWriter* tp = sheet ? &*sheet : nullptr;

  std::vector<JoinReport> copy_joins;
  if (choose_copy(clips, o, container, sink, copy_joins)) {
    run_copy(clips_in, clips, o, r, tp, sink);
    for (std::size_t i = 0; i + 1 < clips.size(); ++i) {
      JoinReport j;
      if (i < copy_joins.size()) {
        j = copy_joins[i];
      } else {
        j.index = i;
        j.reason = o.dedupe_joins ? "not measured" : "dedupe off";
      }
      r.joins.push_back(j);
    }
  } else {
    r.video_codec =
        encode_codec(o.codec, container) == codecs::VideoCodec::h264 ? "h264" : "prores";
    run_encode(clips_in, clips, o, r, tp, sink);
  }
  r.duration = static_cast<double>(r.frames) * o.fps.den / o.fps.num;
  r.written.push_back(o.output);

  // Side files. If one fails, the sequence stays (it is complete); the error says which.
  sink.report(clips.size() ? clips.size() - 1 : 0, r.frames, "outputs");
  write_side_files(o, r, tp);
  return r;
}

} // namespace shotchain::stitch
