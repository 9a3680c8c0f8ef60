// shotchain scenes SRC [-o CUTS.json|.csv|.edl|.otio] [--detector ...] [--references DIR]
// [--pick ...] [--format png|jpg] [--contact-sheet FILE.png]: argument parsing and printing
// only; the work is stages/scenes.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/json_text.h"
#include "cli/scene_detection.h"
#include "common/error.h"
#include "stages/frame_extract.h"
#include "stages/scenes/references.h"
#include "stages/scenes/scene_list_io.h"

namespace shotchain::cli {
namespace {

struct ScenesArgs {
  DetectArgs detect;
  std::string output;
  std::string references;
  std::string format = "png";
  std::string contact_sheet;
};

void check_output(const std::string& src, const std::string& out) {
  if (out.empty()) return;
  if (!scenes::list_format_for_path(out))
    throw Error(Failure::bad_input, out + ": output must end in .json, .csv, .edl or .otio");
  const auto dir = std::filesystem::path(out).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    throw Error(Failure::bad_input, out + ": output folder does not exist");
  stages::check_output_differs(src, out);
}

void print_table(const scenes::SceneList& l) {
  std::printf("%s: %zu scenes, %lld frames at %s fps (%s detector)\n", l.source.string().c_str(),
              l.scenes.size(), static_cast<long long>(l.frames), l.rate.to_string().c_str(),
              scenes::to_string(l.detector));
  std::printf("  #    start frame  end frame  start timecode  length s  cut\n");
  for (size_t i = 0; i < l.scenes.size(); ++i) {
    const auto& s = l.scenes[i];
    std::printf("  %-4zu %11lld %10lld  %s  %8.3f  %s\n", i + 1, static_cast<long long>(s.start),
                static_cast<long long>(s.end - 1), scenes::source_timecode(l, s.start).c_str(),
                s.end_seconds - s.start_seconds, i == 0 ? "-" : scenes::to_string(s.cut));
  }
}

int scenes_command(const ScenesArgs& a, const GlobalOptions& global) {
  check_output(a.detect.src, a.output);
  scenes::ReferenceOptions ro;
  ro.dir = a.references;
  ro.pick = parse_pick_arg(a.detect.pick);
  ro.format = a.format;
  ro.contact_sheet = a.contact_sheet;
  scenes::check_reference_options(ro);

  SceneProgress progress(global, std::filesystem::path(a.detect.src).filename().string());
  const scenes::SceneList list = detect_with_progress(a.detect, progress);
  progress.finished("scenes", std::to_string(list.scenes.size()) + " scenes");
  std::vector<std::string> written;
  if (!a.output.empty()) {
    scenes::write_scene_list(list, a.output);
    written.push_back(a.output);
  }
  std::vector<scenes::Reference> refs;
  if (!ro.dir.empty() || !ro.contact_sheet.empty()) {
    ro.cancel = interrupt_token();
    ro.progress = [&progress](size_t done, size_t total) { progress.references(done, total); };
    refs = scenes::write_references(list, ro);
    for (const auto& r : refs)
      if (!r.file.empty()) written.push_back(r.file.string());
    if (!ro.contact_sheet.empty()) written.push_back(ro.contact_sheet.string());
  }
  if (global.json) {
    std::string files, frames;
    for (const auto& w : written) files += (files.empty() ? "" : ",") + json_string(w);
    for (const auto& r : refs) frames += (frames.empty() ? "" : ",") + std::to_string(r.frame);
    std::printf(
        "{\"event\":\"done\",\"stage\":\"scenes\",\"source\":%s,\"scenes\":%zu,"
        "\"frames\":%lld,\"reference_frames\":[%s],\"written\":[%s]}\n",
        json_string(a.detect.src).c_str(), list.scenes.size(), static_cast<long long>(list.frames),
        frames.c_str(), files.c_str());
  } else if (global.verbosity > 0) {
    if (a.output.empty())
      print_table(list);
    else
      std::printf("%s: %zu scenes in %lld frames\n", a.output.c_str(), list.scenes.size(),
                  static_cast<long long>(list.frames));
    for (const auto& w : written)
      if (w != a.output) std::printf("  wrote %s\n", w.c_str());
  }
  return 0;
}

} // namespace

void add_scenes_command(CLI::App& root, const GlobalOptions& global, Action& action) {
  auto args = std::make_shared<ScenesArgs>();
  auto* sub = root.add_subcommand("scenes", "Find the cuts of a video (scene list, references)");
  add_detect_options(sub, args->detect);
  sub->add_option("-o,--output", args->output, "Scene list: .json, .csv, .edl or .otio");
  sub->add_option("--references", args->references, "Folder for one still per scene");
  sub->add_option("--format", args->format, "Reference stills: png or jpg (default png)");
  sub->add_option("--contact-sheet", args->contact_sheet, "Contact sheet of the scenes (PNG)");
  sub->callback([args, &global, &action] {
    action = [args, &global]() -> int { return scenes_command(*args, global); };
  });
}

} // namespace shotchain::cli
