// shotchain run JOB.json: argument parsing and printing only; the work is pipeline/runner.h.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/job_session.h"
#include "cli/json_text.h"
#include "common/error.h"
#include "pipeline/backends.h"
#include "pipeline/job_spec.h"
#include "pipeline/plan.h"
#include "pipeline/progress_sinks.h"
#include "pipeline/runner.h"

namespace shotchain::cli {
namespace {

struct RunArgs {
  std::string job;
  int concurrency = 4;
  std::string state_dir;
  std::string output_dir;
  bool dry_run = false;
};

int run_command(const RunArgs& a, const GlobalOptions& global) {
  pipeline::JobSpec job = pipeline::load_job_spec(a.job);
  JobSession session = start_job_session(job, global);

  pipeline::RunOptions opt;
  opt.concurrency = a.concurrency;
  opt.state_dir = a.state_dir;
  opt.output_dir = a.output_dir;
  opt.dry_run = a.dry_run;
  session.apply(opt);
  pipeline::RunReport r = pipeline::run_job(job, opt);
  if (a.dry_run) {
    if (!global.json && global.verbosity > 0)
      std::printf("dry run: pre-flight passed for %zu shots; nothing generated\n",
                  job.shots.size());
    return 0;
  }
  if (global.json) {
    std::string files;
    for (const auto& p : r.written) files += (files.empty() ? "" : ",") + json_string(p.string());
    std::printf(
        "{\"event\":\"done\",\"sequence\":%s,\"frames\":%lld,\"generated\":%d,"
        "\"resumed\":%d,\"reused\":%d,\"written\":[%s],\"cpu_s\":{\"generation\":%.3f,"
        "\"generation_media\":%.3f,\"assembly\":%.3f}}\n",
        json_string(r.sequence.string()).c_str(), r.frames, r.generated, r.resumed, r.reused,
        files.c_str(), r.cpu.generation, r.cpu.generation_media, r.cpu.assembly);
  } else {
    std::printf("done: %lld frames; segments generated %d, resumed %d, reused %d\n", r.frames,
                r.generated, r.resumed, r.reused);
    std::printf("wrote (in %s):\n", r.output_dir.string().c_str());
    for (const auto& p : r.written) std::printf("  %s\n", p.string().c_str());
    std::printf("state: %s\n", r.state_dir.string().c_str());
  }
  return 0;
}

} // namespace

void add_run_command(CLI::App& root, const GlobalOptions& global, Action& action) {
  auto args = std::make_shared<RunArgs>();
  auto* sub = root.add_subcommand("run", "Run a storyboard job spec (JSON) end to end");
  sub->add_option("job", args->job, "The job spec (JSON)")->required();
  sub->add_option("--concurrency", args->concurrency, "Shots generated at once (default 4)")
      ->check(CLI::Range(1, 64));
  sub->add_option("--state-dir", args->state_dir,
                  "Journal folder (default: beside the job, <name>.state)");
  sub->add_option("--output-dir", args->output_dir,
                  "Output folder (default: the folder of the spec's output.path)");
  sub->add_flag("--dry-run", args->dry_run, "Print the plan, run the pre-flight checks, stop");
  sub->callback([args, &global, &action] {
    action = [args, &global]() -> int { return run_command(*args, global); };
  });
}

} // namespace shotchain::cli
