#include "cli/scene_detection.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>

#include "cli/progress_sink.h"
#include "common/error.h"

namespace shotchain::cli {
namespace {

CancelToken g_cancel;
extern "C" void on_scene_signal(int) {
  if (g_cancel.requested()) _exit(130);
  g_cancel.request();
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

} // namespace

void add_detect_options(CLI::App* sub, DetectArgs& a) {
  sub->add_option("src", a.src, "Source video")->required();
  sub->add_option("--detector", a.detector, "content|adaptive|threshold (default adaptive)");
  sub->add_option("--threshold", a.threshold,
                  "content: change 0-255 (40); adaptive: ratio to the neighbours (4); "
                  "threshold: mean luma of a fade (12)");
  sub->add_option("--min-scene-len", a.min_scene_len,
                  "Shortest scene: frames (12) or TIME (0.5) (default 0.25 s)");
  sub->add_option("--window", a.window, "adaptive: frames compared on each side (default 4)");
  sub->add_option("--pick", a.pick, "Reference frame: middle|best|first|last (default middle)");
}

const CancelToken* interrupt_token() {
  struct sigaction sa {};
  sa.sa_handler = on_scene_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return &g_cancel;
}

SceneProgress::SceneProgress(const GlobalOptions& global, std::string label)
    : sink_(make_progress_sink(global, true)),
      label_(std::move(label)),
      terminal_(!global.json && isatty(fileno(stderr))),
      started_(now_seconds()) {}

SceneProgress::~SceneProgress() = default;

void SceneProgress::frames(int64_t done, int64_t expected) {
  const double t = now_seconds();
  // A live line redraws often; log lines and JSON events every few seconds.
  if (done == 0 || (done < expected && last_ >= 0 && t - last_ < (terminal_ ? 0.25 : 5.0))) return;
  if (last_ < 0) { // the first frame decoded: the input is good, say the work began
    ProgressEvent e;
    e.kind = ProgressEvent::Kind::started;
    e.shot_id = label_;
    e.stage = "scenes";
    sink_->on_event(e);
  }
  last_ = t;
  const double fps = t > started_ ? static_cast<double>(done) / (t - started_) : 0;
  char text[96];
  if (expected > done && fps > 0)
    std::snprintf(text, sizeof text, "%lld/%lld frames %.0f fps ETA %.0fs",
                  static_cast<long long>(done), static_cast<long long>(expected), fps,
                  static_cast<double>(expected - done) / fps);
  else
    std::snprintf(text, sizeof text, "%lld frames %.0f fps", static_cast<long long>(done), fps);
  ProgressEvent e;
  e.shot_id = label_;
  e.stage = "scenes";
  if (expected > 0) e.fraction = std::min(1.0, static_cast<double>(done) / expected);
  e.service_state = text; // shown on the live line; a new one each time for the log
  sink_->on_event(e);
}

void SceneProgress::references(size_t done, size_t total) {
  ProgressEvent e;
  e.shot_id = label_;
  e.stage = "references";
  e.fraction = total ? static_cast<double>(done) / total : 1;
  e.service_state = std::to_string(done) + "/" + std::to_string(total);
  sink_->on_event(e);
}

void SceneProgress::finished(const std::string& stage, const std::string& message) {
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::finished;
  e.shot_id = label_;
  e.stage = stage;
  e.message = message;
  sink_->on_event(e);
}

scenes::Pick parse_pick_arg(const std::string& text) {
  auto p = scenes::parse_pick(text);
  if (!p)
    throw Error(Failure::bad_input, "--pick " + text + ": must be middle, best, first or last");
  return *p;
}

scenes::SceneList detect_with_progress(const DetectArgs& a, SceneProgress& progress) {
  scenes::DetectOptions o;
  auto d = scenes::parse_detector(a.detector);
  if (!d)
    throw Error(Failure::bad_input,
                "--detector " + a.detector + ": must be content, adaptive or threshold");
  o.detector = *d;
  if (a.threshold >= 0) o.threshold = a.threshold;
  if (a.threshold < -1 || (a.threshold > 255))
    throw Error(Failure::bad_input, "--threshold: must be between 0 and 255");
  if (a.window >= 0) {
    if (a.window < 1 || a.window > 100)
      throw Error(Failure::bad_input, "--window: must be between 1 and 100 frames");
    o.window = a.window;
  }
  if (!a.min_scene_len.empty()) {
    auto m = scenes::parse_min_scene_length(a.min_scene_len);
    if (!m)
      throw Error(Failure::bad_input, "--min-scene-len " + a.min_scene_len +
                                          ": not a frame count or a TIME (" + kTimeGrammar + ")");
    o.min_scene_length = *m;
  }
  o.cancel = interrupt_token();
  o.progress = [&progress](int64_t done, int64_t expected) { progress.frames(done, expected); };
  return scenes::detect_scenes(a.src, o);
}

} // namespace shotchain::cli
