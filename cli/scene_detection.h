#pragma once
// What `scenes` and `storyboard` share: the detector options, SIGINT/SIGTERM wired to a
// cancel token, and progress (frames, fps, ETA) through the command's progress sink.
#include <memory>
#include <string>

#include "cli/command.h"
#include "stages/scenes/detect.h"
#include "stages/scenes/references.h"
#include "stages/stage.h"

namespace shotchain::cli {

struct DetectArgs {
  std::string src;
  std::string detector = "adaptive";
  double threshold = -1;
  std::string min_scene_len;
  int window = -1;
  std::string pick = "middle";
};

// Adds --detector, --threshold, --min-scene-len, --window and --pick to `sub`.
void add_detect_options(CLI::App* sub, DetectArgs& args);

// The cancel token SIGINT/SIGTERM set (a second signal exits at once with 130).
const CancelToken* interrupt_token();

// Progress of one command on the chosen sink: detection (frames, fps, ETA) and references.
class SceneProgress {
 public:
  SceneProgress(const GlobalOptions& global, std::string label);
  ~SceneProgress();
  void frames(int64_t done, int64_t expected);
  void references(size_t done, size_t total);
  void finished(const std::string& stage, const std::string& message);

 private:
  std::unique_ptr<ProgressSink> sink_;
  std::string label_;
  bool terminal_ = false;
  double started_ = 0, last_ = -1;
};

// Parses the options (exit 2 with one line on a bad value) and detects the scenes of
// args.src with progress and cancellation.
scenes::SceneList detect_with_progress(const DetectArgs& args, SceneProgress& progress);
scenes::Pick parse_pick_arg(const std::string& text);

} // namespace shotchain::cli
