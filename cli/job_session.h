#pragma once
// What `run` and `extend` share before the runner starts: SIGINT/SIGTERM wired to a cancel
// token (a second signal stops at once; the journal is atomic), the backend (and the notice
// that it is the offline preview), the plan printed, and the progress sink for this output.
#include <memory>

#include "cli/command.h"
#include "pipeline/job_spec.h"
#include "pipeline/runner.h"
#include "stages/stage.h"

namespace shotchain::cli {

struct JobSession {
  CancelToken* cancel = nullptr; // process-wide; the signal handler sets it
  std::shared_ptr<GenerationBackend> backend;
  std::unique_ptr<ProgressSink> sink;

  // Fills the runner options this session owns (backend, sink, cancellation).
  void apply(pipeline::RunOptions& options) const;
};

JobSession start_job_session(const pipeline::JobSpec& job, const GlobalOptions& global);

} // namespace shotchain::cli
