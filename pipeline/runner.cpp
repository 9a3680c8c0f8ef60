// run_job: the plan, pre-flight, then generation and assembly side by side (scheduler.cpp),
// then the sequence (assembly.cpp). The parts are listed in run_context.h.
#include "pipeline/runner.h"

#include <algorithm>
#include <thread>

#include "common/cpu_time.h"
#include "common/error.h"
#include "common/sha256.h"
#include "pipeline/balance_check.h"
#include "pipeline/run_context.h"
#include "pipeline/state_folder.h"
#include "stages/frame_extract.h"

namespace shotchain::pipeline {
namespace fs = std::filesystem;

std::filesystem::path default_state_dir(const JobSpec& job) {
  std::string stem = job.file.empty() ? "job" : job.file.stem().string();
  return job.base_dir / (stem + ".state");
}

std::string quoted_shot(const std::string& id) { return "shot \"" + id + "\""; }

RunContext::RunContext(const JobSpec& j, const RunOptions& o, RunReport& r)
    : job(j), opt(o), report(r) {
  sink = opt.sink ? opt.sink : &null_sink;
  cancel = opt.cancel ? opt.cancel : &never;
  codec = stitch::parse_codec(job.output.codec, "output.codec");
  ext = job.output.path.extension().string();
  // The media pool fills the cores without oversubscribing them: each encode runs its
  // threads (slices) on two cores; as many encodes at once as there are pairs of cores.
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  media_workers = std::max(1, cores / 2);
  encoder_threads = std::max(1, cores / media_workers);
  media_slots = std::make_unique<MediaSlots>(media_workers);
}

void RunContext::event(ProgressEvent::Kind kind, const std::string& shot, const std::string& stage,
                       const std::string& message, int segment, int segments) const {
  StageContext ctx; // the one place events are built (stages/stage.cpp)
  ctx.sink = sink;
  ctx.shot_id = shot;
  ctx.segment = segment;
  ctx.segments = segments;
  ctx.report(kind, stage, message);
}

fs::path RunContext::shot_clip_path(const std::string& id) const {
  return opt.sequence_only ? journal->shot_dir(id) / ("clip" + ext)
                           : report.output_dir / "shots" / (id + ext);
}

namespace {

// The output folders, made before the first shot clip is written into them; half-written
// files of a killed run are removed.
void prepare_output_folders(const RunContext& rc) {
  const fs::path& dir = rc.report.output_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec && !rc.opt.sequence_only) fs::create_directories(dir / "shots", ec);
  if (!ec && !rc.opt.sequence_only) fs::create_directories(dir / "provenance", ec);
  if (ec)
    throw Error(Failure::runtime, ec,
                dir.string() + ": cannot create the output folder: " + ec.message());
  remove_stale_parts(dir);
  remove_stale_parts(dir / "shots");
  remove_stale_parts(dir / "provenance");
}

// The last frame of the lead clips (`extend`'s source), against which the first shot's first
// frame is measured.
void prepare_lead_frame(RunContext& rc) {
  if (rc.opt.lead_clips.empty()) return;
  stages::FrameRequest last;
  last.kind = stages::FrameRequest::Kind::last;
  rc.lead_last = rc.report.state_dir / "lead-last.png";
  stages::extract_frame_to_image(rc.opt.lead_clips.back(), last, rc.lead_last);
  rc.lead_last_hash = sha256_file(rc.lead_last);
}

} // namespace

RunReport run_job(const JobSpec& job, const RunOptions& opt) {
  if (!opt.backend) throw Error(Failure::bad_input, "run: no generation backend");
  if (opt.concurrency < 1 || opt.concurrency > 64)
    throw Error(Failure::bad_input,
                "--concurrency: " + std::to_string(opt.concurrency) + " is out of range 1..64");
  RunReport report;
  report.plan = make_plan(job);
  report.dry_run = opt.dry_run;
  report.state_dir = opt.state_dir.empty() ? default_state_dir(job) : opt.state_dir;
  report.output_dir = opt.output_dir.empty() ? job.output.path.parent_path() : opt.output_dir;
  report.sequence = report.output_dir / job.output.path.filename();
  RunContext rc(job, opt, report);
  rc.event(ProgressEvent::Kind::log, "", "plan",
           "plan: " + std::to_string(report.plan.generations) + " generations, " +
               std::to_string(report.plan.frames) + " frames, backend " + opt.backend->name());
  if (opt.dry_run) {
    // A dry run writes nothing beside the job: video reference frames are extracted for
    // their checks into a scratch folder that goes away with the run.
    ScratchDir scratch;
    preflight(rc, [&](const std::string& id) { return scratch.make(id); });
    for (const auto& id : placeholder_prompt_shots(job))
      rc.event(ProgressEvent::Kind::log, id, "plan", "prompt is a placeholder: replace it to run");
    return report;
  }
  check_no_placeholder_prompts(job);
  rc.journal = std::make_unique<Journal>(report.state_dir);
  StateLock lock(report.state_dir);
  sweep_journal_temporaries(report.state_dir / "shots");
  remove_stale_parts(report.state_dir); // lead pieces of a killed run
  preflight(rc, [&rc](const std::string& id) { return rc.journal->shot_dir(id); });
  check_balance(report.plan, *opt.backend, rc.journal.get(), rc.sink);
  rc.cancel->throw_if_requested("run");
  prepare_output_folders(rc);
  prepare_lead_frame(rc);
  generate_and_assemble_shots(rc);
  assemble_sequence(rc);
  report.cpu.assembly = process_cpu_seconds() - report.cpu.generation;
  return report;
}

} // namespace shotchain::pipeline
