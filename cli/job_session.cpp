#include "cli/job_session.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "cli/progress_sink.h"
#include "pipeline/backends.h"
#include "pipeline/balance_check.h"
#include "pipeline/plan.h"

namespace shotchain::cli {
namespace {

CancelToken g_cancel;
extern "C" void on_job_signal(int) {
  if (g_cancel.requested()) _exit(130); // a second signal: stop now (the journal is atomic)
  g_cancel.request();
}

} // namespace

void JobSession::apply(pipeline::RunOptions& options) const {
  options.backend = backend;
  options.sink = sink.get();
  options.cancel = cancel;
}

JobSession start_job_session(const pipeline::JobSpec& job, const GlobalOptions& global) {
  JobSession session;
  session.cancel = &g_cancel;
  struct sigaction sa {};
  sa.sa_handler = on_job_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  pipeline::BackendChoice choice{global.backend,   global.api_base, global.api_key_file,
                                 global.verbosity, &g_cancel,       job.file.string()};
  session.backend = pipeline::make_backend(choice);
  if (session.backend->name() == "preview" && global.verbosity > 0)
    std::fprintf(stderr,
                 "shotchain: preview backend: every segment is made locally from its reference "
                 "(a slow zoom and pan), not by the service; nothing is spent\n");

  pipeline::Plan plan = pipeline::make_plan(job);
  pipeline::price_plan_from_catalogue(plan, *session.backend);
  if (global.json)
    std::printf("%s\n", pipeline::plan_json(plan, session.backend->name()).c_str());
  else if (global.verbosity > 0)
    std::printf("%s", pipeline::format_plan(plan, session.backend->name()).c_str());
  std::fflush(stdout);

  session.sink = make_progress_sink(global, true);
  return session;
}

} // namespace shotchain::cli
