#pragma once
// The interface every stage shares (public header of shotchain::core).
//
// A stage takes a typed input, produces a typed output, reports progress through a sink and
// stops when its cancellation token is set. Stages know nothing of each other: the pipeline's
// runner wires them. A host program that embeds shotchain implements `ProgressSink` to see
// what happens, and `Stage<ShotClip, ShotClip>` (see pipeline/runner.h) to insert its own
// step (a grade, an upscale) before assembly.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/error.h"

namespace shotchain {

// One progress report. Every field but `stage` is optional (empty / -1 when unknown).
struct ProgressEvent {
  enum class Kind {
    started,  // the stage began
    progress, // something moved: fraction, frames, or the service's state changed
    finished, // the stage ended well
    skipped,  // nothing to do: the journal says it is done already
    failed,   // the stage failed (message says why)
    log,      // a plain message (a warning, "this is a preview", ...)
  };
  Kind kind = Kind::progress;
  std::string shot_id;       // the shot this is about ("" for job-level events)
  std::string stage;         // "reference", "generate", "verify", "chain", "assemble", ...
  int segment = -1;          // 0-based segment index within the shot, -1 when not per segment
  int segments = -1;         // number of segments of the shot
  double fraction = -1;      // 0..1 when known
  std::string service_state; // the remote prediction's status word ("queued", "processing")
  std::string message;       // human-readable detail (never a secret)
};

const char* to_string(ProgressEvent::Kind kind) noexcept;

// Receives progress. Called from worker threads: implementations must be thread-safe.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void on_event(const ProgressEvent& event) = 0;
};

// A sink that drops everything.
class NullProgressSink final : public ProgressSink {
 public:
  void on_event(const ProgressEvent&) override {}
};

// Cooperative cancellation, shared by every stage of a run. Setting it is async-signal-safe
// (a lock-free atomic store), so a SIGINT/SIGTERM handler may call request().
class CancelToken {
 public:
  void request() noexcept { flag_.store(true, std::memory_order_relaxed); }
  bool requested() const noexcept { return flag_.load(std::memory_order_relaxed); }
  // The flag itself, for layers that take a `const std::atomic<bool>*` (codecs, remote).
  const std::atomic<bool>* flag() const noexcept { return &flag_; }
  // Throws Error(Failure::interrupted) when cancellation was requested; `what` names the place.
  void throw_if_requested(const std::string& what) const {
    if (requested()) throw Error(Failure::interrupted, what + ": interrupted");
  }
  // Sleeps up to `d`, waking early (within ~20 ms) when cancellation is requested.
  // Returns false when cancelled.
  bool sleep_for(std::chrono::milliseconds d) const;

 private:
  std::atomic<bool> flag_{false};
  static_assert(std::atomic<bool>::is_always_lock_free);
};

// What a stage is given besides its input.
struct StageContext {
  ProgressSink* sink = nullptr;        // never null when handed to a stage by the runner
  const CancelToken* cancel = nullptr; // never null when handed to a stage by the runner
  std::string shot_id;                 // the shot being worked on ("" outside a shot)
  int segment = -1;
  int segments = -1;
  std::filesystem::path work_dir; // a scratch folder the stage may write into

  // Convenience: report with shot/segment filled in.
  void report(ProgressEvent::Kind kind, const std::string& stage, std::string message = {},
              double fraction = -1, std::string service_state = {}) const;
  void check_cancel(const std::string& what) const {
    if (cancel) cancel->throw_if_requested(what);
  }
};

// A stage: typed input, typed output.
template <class In, class Out>
class Stage {
 public:
  using Input = In;
  using Output = Out;
  virtual ~Stage() = default;
  virtual std::string name() const = 0;
  virtual Out run(const In& input, StageContext& context) = 0;
};

// A stage made from a function (handy for hosts and tests).
template <class In, class Out>
class FunctionStage final : public Stage<In, Out> {
 public:
  FunctionStage(std::string name, std::function<Out(const In&, StageContext&)> fn)
      : name_(std::move(name)), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  Out run(const In& input, StageContext& context) override { return fn_(input, context); }

 private:
  std::string name_;
  std::function<Out(const In&, StageContext&)> fn_;
};

} // namespace shotchain

namespace shotchain {

// ---- Generation: one image-to-video segment, by whichever backend (preview or atlas) ----

// What to generate. The backend writes the verified clip to `output` (a temporary name in the
// same folder first, renamed at the end).
struct GenerationRequest {
  std::string shot_id;
  int segment = 0;  // 0-based
  int segments = 1; // of the shot
  std::string model;
  std::string prompt;
  int duration = 6; // seconds: 6 -> 150 frames, 10 -> 250 frames at 25 fps
  bool prompt_expansion = false;
  std::filesystem::path reference_image; // PNG or JPEG: the clip's first frame
  std::filesystem::path end_image;       // optional last frame ("" when none)
  std::filesystem::path output;          // the .mp4 to write
  // Optional: where to save the clip's last decoded frame (lossless PNG), for a backend that
  // decodes the whole clip anyway to verify it; saves the caller a second decode.
  std::filesystem::path last_frame;
  int expected_frames() const { return duration * 25; }
};

// What the journal already knows about this segment from an earlier run.
struct GenerationResume {
  std::string upload_url;    // the reference was uploaded here already
  std::string intent_time;   // ISO 8601 UTC: a submit was about to be sent at this time
  std::string prediction_id; // the service accepted the job: never submit it again
  std::string output_url;    // the service finished: download from here
};

// What verifying a downloaded clip measured (stages/generate_verify.h).
struct ClipCheck {
  int frames = 0;
  int width = 0;
  int height = 0;
  double fps = 0;
  std::string difference; // how it differs from 25 fps and the expected frames ("" if not)
};

// Called by the backend at each step, so the pipeline journals it durably before going on.
// on_intent is called (and returns) before the billable submit is sent; on_prediction_id right
// after the service answers. Any hook may be empty.
struct GenerationHooks {
  std::function<void(const std::string& upload_url)> on_upload;
  std::function<void(const std::string& intent_time)> on_intent;
  std::function<void(const std::string& prediction_id)> on_prediction_id;
  std::function<void(const std::string& status)> on_status;
  std::function<void(const std::string& output_url)> on_output_url;
  // Verifies the downloaded clip `file` in place of stages::verify_clip, with the same
  // contract (throws Error naming `shown` when it does not decode; saves the last decoded
  // frame to `last_png`): the pipeline verifies a clip in the decode that encodes it.
  std::function<ClipCheck(const std::filesystem::path& file, int expected_frames,
                          const std::string& shown, const std::filesystem::path& last_png)>
      verify;
};

struct GenerationResult {
  std::filesystem::path file; // the verified clip (== request.output)
  std::string prediction_id;  // "" for the preview backend
  std::string output_url;     // "" for the preview backend
  std::string upload_url;     // "" for the preview backend
  int frames = 0;
  int width = 0, height = 0;
  double fps = 0;                   // measured on the decoded frames (0: not measured)
  std::filesystem::path last_frame; // == request.last_frame when the backend wrote it
};

// A generation backend: `preview` (offline, stages/preview_generator.h) or `atlas`.
class GenerationBackend {
 public:
  virtual ~GenerationBackend() = default;
  virtual std::string name() const = 0;
  // True when generate() spends money (the plan shows the price; preview shows 0).
  virtual bool paid() const = 0;
  // Every local check (reference format/size/aspect, prompt, duration, model id) that can fail
  // before anything is spent. Throws Error(Failure::bad_input).
  virtual void preflight(const GenerationRequest& request) = 0;
  // Generates (or, with a journalled prediction id, resumes) one segment.
  virtual GenerationResult generate(const GenerationRequest& request,
                                    const GenerationResume& resume, const GenerationHooks& hooks,
                                    StageContext& context) = 0;
};

} // namespace shotchain
