// shotchain run JOB.json: argument parsing and printing only; the work is pipeline/runner.h.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>

#include "cli/command.h"
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

CancelToken* g_cancel = nullptr;
extern "C" void on_run_signal(int) {
  if (!g_cancel) return;
  if (g_cancel->requested()) _exit(130); // a second signal: stop now (the journal is atomic)
  g_cancel->request();
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

int run_command(const RunArgs& a, const GlobalOptions& global) {
  pipeline::JobSpec job = pipeline::load_job_spec(a.job);
  static CancelToken cancel;
  g_cancel = &cancel;
  struct sigaction sa {};
  sa.sa_handler = on_run_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  pipeline::BackendChoice choice{global.backend, global.api_base, global.api_key_file,
                                 global.verbosity, &cancel};
  auto backend = pipeline::make_backend(choice);
  if (backend->name() == "preview" && global.verbosity > 0)
    std::fprintf(stderr,
                 "shotchain: preview backend: every segment is made locally from its reference "
                 "(a slow zoom and pan), not by the service; nothing is spent\n");

  pipeline::Plan plan = pipeline::make_plan(job);
  if (global.json)
    std::printf("%s\n", pipeline::plan_json(plan, backend->name()).c_str());
  else if (global.verbosity > 0)
    std::printf("%s", pipeline::format_plan(plan, backend->name()).c_str());
  std::fflush(stdout);

  std::unique_ptr<ProgressSink> sink;
  if (global.json)
    sink = std::make_unique<pipeline::JsonLinesSink>(stdout);
  else if (isatty(fileno(stderr)) && global.verbosity > 0)
    sink = std::make_unique<pipeline::TerminalSink>(stderr);
  else
    sink = std::make_unique<pipeline::LogLineSink>(stderr, global.verbosity);

  pipeline::RunOptions opt;
  opt.concurrency = a.concurrency;
  opt.state_dir = a.state_dir;
  opt.output_dir = a.output_dir;
  opt.dry_run = a.dry_run;
  opt.backend = backend;
  opt.sink = sink.get();
  opt.cancel = &cancel;
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
        "\"resumed\":%d,\"reused\":%d,\"written\":[%s]}\n",
        json_string(r.sequence.string()).c_str(), r.frames, r.generated, r.resumed, r.reused,
        files.c_str());
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
