// shotchain extend SRC --prompt TEXT [--segments N] -o OUT: SRC followed by N generated
// segments chained from its last frame; SRC's audio kept and padded with silence. Argument
// parsing and printing only: the work is the pipeline's runner (a one-shot job).
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/job_session.h"
#include "common/error.h"
#include "pipeline/backends.h"
#include "pipeline/job_spec.h"
#include "pipeline/plan.h"
#include "pipeline/progress_sinks.h"
#include "pipeline/runner.h"

namespace shotchain::cli {
namespace {

struct ExtendArgs {
  std::string source;
  std::string prompt;
  int segments = 1;
  int duration = 6;
  std::string model = pipeline::kDefaultModel;
  std::string output;
  std::string state_dir;
  bool dry_run = false;
};

int extend_command(const ExtendArgs& a, const GlobalOptions& global) {
  namespace fs = std::filesystem;
  fs::path src = fs::absolute(a.source), out = fs::absolute(a.output);
  std::string ext = out.extension().string();
  if (ext != ".mov" && ext != ".mp4")
    throw Error(Failure::bad_input, "-o " + a.output + ": must end in .mov or .mp4");
  if (!fs::is_regular_file(src)) throw Error(Failure::bad_input, a.source + ": no such file");
  if (fs::exists(out) && fs::equivalent(src, out))
    throw Error(Failure::bad_input, "-o " + a.output + ": must differ from the source");
  std::size_t chars = 0;
  for (unsigned char c : a.prompt) chars += (c & 0xC0) != 0x80;
  if (chars == 0 || chars > pipeline::kMaxPromptChars)
    throw Error(Failure::bad_input, "--prompt: must be 1 to 2000 characters");

  // The one-shot job: one shot from the source's last frame, N chained segments.
  pipeline::JobSpec job;
  job.base_dir = fs::current_path();
  job.model = a.model;
  job.output.path = out;
  job.output.codec = ext == ".mp4" ? "h264" : "prores_hq";
  job.output.timelines.clear();
  job.output.qc = false;
  job.output.contact_sheet = false;
  pipeline::ShotSpec shot;
  shot.id = "extend";
  shot.reference.kind = pipeline::ReferenceSpec::Kind::video;
  shot.reference.path = src;
  shot.reference.pick = pipeline::ReferenceSpec::Pick::last;
  shot.prompt = a.prompt;
  shot.segments = a.segments;
  shot.duration = a.duration;
  shot.model = a.model;
  job.shots.push_back(shot);

  JobSession session = start_job_session(job, global);

  pipeline::RunOptions opt;
  opt.concurrency = 1;
  opt.state_dir = a.state_dir.empty() ? fs::path(out.string() + ".state") : fs::path(a.state_dir);
  opt.output_dir = out.parent_path();
  opt.dry_run = a.dry_run;
  session.apply(opt);
  opt.lead_clips = {src};
  opt.sequence_only = true;
  pipeline::RunReport r = pipeline::run_job(job, opt);
  if (a.dry_run) return 0;
  if (global.json)
    std::printf(
        "{\"event\":\"done\",\"frames\":%lld,\"generated\":%d,\"resumed\":%d,"
        "\"reused\":%d}\n",
        r.frames, r.generated, r.resumed, r.reused);
  else
    std::printf("wrote %s: %lld frames (the source, then %d generated segments)\n",
                r.sequence.string().c_str(), r.frames, a.segments);
  return 0;
}

} // namespace

void add_extend_command(CLI::App& root, const GlobalOptions& global, Action& action) {
  auto args = std::make_shared<ExtendArgs>();
  auto* sub = root.add_subcommand(
      "extend", "Extend a clip past its end: SRC then N segments chained from its last frame");
  sub->add_option("source", args->source, "The clip to extend")->required();
  sub->add_option("--prompt", args->prompt, "What happens next")->required();
  sub->add_option("--segments", args->segments, "Generated segments (default 1)")
      ->check(CLI::Range(1, pipeline::kMaxSegments));
  sub->add_option("--duration", args->duration, "Seconds per segment: 6 or 10 (default 6)")
      ->check(CLI::IsMember({6, 10}));
  sub->add_option("--model", args->model, "Model id (default minimax/hailuo-02/standard)");
  sub->add_option("-o,--output", args->output, "Output .mov (ProRes HQ) or .mp4 (H.264)")
      ->required();
  sub->add_option("--state-dir", args->state_dir, "Journal folder (default: OUT.state)");
  sub->add_flag("--dry-run", args->dry_run, "Print the plan, run the pre-flight checks, stop");
  sub->callback([args, &global, &action] {
    action = [args, &global]() -> int { return extend_command(*args, global); };
  });
}

} // namespace shotchain::cli
