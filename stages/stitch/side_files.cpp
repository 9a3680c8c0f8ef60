// The files written beside a stitched sequence (timelines, contact sheet, QC report) and the
// checks on every output path before any work.
#include <unistd.h>

#include "common/atomic_file.h"
#include "stages/stitch/contact_sheet.h"
#include "stages/stitch/parts.h"
#include "stages/stitch/qc.h"
#include "stages/timeline/timeline.h"

namespace shotchain::stitch {
namespace fs = std::filesystem;

namespace {

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
  return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

void check_writable_folder(const fs::path& file, const std::string& what) {
  fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(Failure::bad_input, what + " " + file.string() + ": folder does not exist");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw Error(Failure::bad_input, what + " " + file.string() + ": folder is not writable");
  if (fs::is_directory(file, ec))
    throw Error(Failure::bad_input, what + " " + file.string() + ": is a directory");
}

} // namespace

fs::path side_path(const fs::path& output, const char* ext) {
  fs::path p = output;
  p.replace_extension(ext);
  return p;
}

// The files written besides the sequence must not clobber an input either.
std::vector<std::pair<fs::path, std::string>> outputs_of(const Options& o) {
  std::vector<std::pair<fs::path, std::string>> outs{{o.output, "output"}};
  if (o.timelines.otio) outs.push_back({side_path(o.output, ".otio"), "timeline"});
  if (o.timelines.fcpxml) outs.push_back({side_path(o.output, ".fcpxml"), "timeline"});
  if (o.timelines.edl) outs.push_back({side_path(o.output, ".edl"), "timeline"});
  if (!o.qc_json.empty()) outs.push_back({o.qc_json, "QC report"});
  if (!o.contact_sheet.empty()) outs.push_back({o.contact_sheet, "contact sheet"});
  return outs;
}

codecs::OutputOptions output_options(const Options& o) {
  codecs::OutputOptions oo;
  oo.faststart = codecs::container_for_path(o.output.string()) == codecs::Container::mp4;
  oo.timecode = start_timecode(o.fps);
  oo.metadata = o.container_metadata;
  return oo;
}

void check_outputs(const std::vector<Clip>& input, const Options& o) {
  const auto outs = outputs_of(o);
  for (const auto& [path, what] : outs) check_writable_folder(path, what);
  for (std::size_t i = 0; i < input.size(); ++i)
    for (const auto& [path, what] : outs)
      if (same_file(path, input[i].path))
        throw Error(Failure::bad_input, what + " " + path.string() + " is also input " +
                                            tag_for(i, input.size(), input[i].path));
  for (std::size_t a = 0; a < outs.size(); ++a)
    for (std::size_t b = a + 1; b < outs.size(); ++b)
      if (same_file(outs[a].first, outs[b].first))
        throw Error(Failure::bad_input, outs[a].first.string() + ": written twice (" +
                                            outs[a].second + ", " + outs[b].second + ")");
}

SheetWriter::SheetWriter(const Options& o, std::size_t clips, codecs::Size picture)
    : sheet_(o.contact_sheet, clips, kThumbWidth, thumb_height(picture)),
      path_(o.contact_sheet),
      fps_(o.fps) {}

void SheetWriter::add(const ClipReport& clip, const Thumbs& t) {
  sheet_.add({clip.label, record_timecode(fps_, clip.record_in), &t.first, &t.middle, &t.last});
}

void SheetWriter::commit(Result& r) {
  sheet_.commit();
  r.written.push_back(path_);
}

void write_side_files(const Options& o, Result& r, SheetWriter* sheet) {
  const timeline::Sequence seq = sequence_of(r, o);
  if (o.timelines.otio) {
    auto p = side_path(o.output, ".otio");
    write_file_atomic(p, timeline::to_otio(seq));
    r.written.push_back(p);
  }
  if (o.timelines.fcpxml) {
    auto p = side_path(o.output, ".fcpxml");
    write_file_atomic(p, timeline::to_fcpxml(seq));
    r.written.push_back(p);
  }
  if (o.timelines.edl) {
    auto p = side_path(o.output, ".edl");
    write_file_atomic(p, timeline::to_edl(seq));
    r.written.push_back(p);
  }
  if (sheet) sheet->commit(r);
  if (!o.qc_json.empty()) {
    r.written.push_back(o.qc_json);
    write_file_atomic(o.qc_json, qc_report_json(r));
  }
}

} // namespace shotchain::stitch
