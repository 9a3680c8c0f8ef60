// shotchain storyboard SRC -o JOB.json [--prompts FILE] [--scenes CUTS.json] [--pick ...]:
// argument parsing and printing only; the work is stages/scenes (detection, pick,
// storyboard).
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/json_text.h"
#include "cli/scene_detection.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "stages/frame_extract.h"
#include "stages/scenes/scene_list_io.h"
#include "stages/scenes/storyboard.h"
#include "stages/timeline/timeline.h"

namespace shotchain::cli {
namespace {

struct StoryboardArgs {
  DetectArgs detect;
  std::string output;
  std::string prompts;
  std::string scenes;
};

int storyboard_command(const StoryboardArgs& a, const GlobalOptions& global) {
  const std::filesystem::path out = a.output;
  if (out.empty()) throw Error(Failure::bad_input, "storyboard: -o JOB.json is required");
  if (out.extension() != ".json")
    throw Error(Failure::bad_input, a.output + ": the job spec must end in .json");
  std::error_code ec;
  const auto dir = out.parent_path().empty() ? std::filesystem::path(".") : out.parent_path();
  if (!std::filesystem::is_directory(dir, ec))
    throw Error(Failure::bad_input, a.output + ": output folder does not exist");
  stages::check_output_differs(a.detect.src, out);
  if (!a.prompts.empty() && !std::filesystem::is_regular_file(a.prompts, ec))
    throw Error(Failure::bad_input, a.prompts + ": prompt file does not exist");
  const scenes::Pick pick = parse_pick_arg(a.detect.pick);

  SceneProgress progress(global, std::filesystem::path(a.detect.src).filename().string());
  scenes::SceneList list;
  if (!a.scenes.empty()) {
    list = scenes::read_scene_list_json(a.scenes);
    stages::extract_frame(a.detect.src, {}); // the source must be a readable video
    list.source = a.detect.src;
  } else {
    list = detect_with_progress(a.detect, progress);
  }
  const std::vector<std::string> prompts =
      a.prompts.empty() ? std::vector<std::string>{}
                        : scenes::read_prompts(a.prompts, list.scenes.size());
  const auto refs = scenes::pick_references(list, pick, interrupt_token());
  write_file_atomic(out, scenes::storyboard_json(list, refs, prompts, dir));
  size_t placeholders = 0;
  for (size_t i = 0; i < list.scenes.size(); ++i)
    if (i >= prompts.size() || prompts[i].empty()) ++placeholders;
  progress.finished("storyboard", std::to_string(list.scenes.size()) + " shots");
  if (global.json) {
    std::printf(
        "{\"event\":\"done\",\"stage\":\"storyboard\",\"output\":%s,\"shots\":%zu,"
        "\"placeholder_prompts\":%zu}\n",
        json_string(a.output).c_str(), list.scenes.size(), placeholders);
  } else if (global.verbosity > 0) {
    std::printf("%s: %zu shots from %s", a.output.c_str(), list.scenes.size(),
                a.detect.src.c_str());
    if (placeholders)
      std::printf("; %zu placeholder prompt%s to replace before `shotchain run`", placeholders,
                  placeholders == 1 ? "" : "s");
    std::printf("\n");
  }
  return 0;
}

} // namespace

void add_storyboard_command(CLI::App& root, const GlobalOptions& global, Action& action) {
  auto args = std::make_shared<StoryboardArgs>();
  auto* sub =
      root.add_subcommand("storyboard", "Write a job spec with one shot per scene of a video");
  add_detect_options(sub, args->detect);
  sub->add_option("-o,--output", args->output, "The job spec to write (.json)");
  sub->add_option("--prompts", args->prompts,
                  "Prompts: one per line, or JSON (array, or object by scene number)");
  sub->add_option("--scenes", args->scenes, "Use this scene list (from `scenes -o X.json`)");
  sub->callback([args, &global, &action] {
    action = [args, &global]() -> int { return storyboard_command(*args, global); };
  });
}

} // namespace shotchain::cli
