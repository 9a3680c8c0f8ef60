// shotchain adopt JOB.json SHOT[/SEGMENT] PREDICTION_ID [--state-dir DIR]: attaches a job to a
// segment whose submit could not be confirmed. The id is checked with the service (it must
// exist and be of the shot's model); the next `shotchain run JOB.json` downloads and verifies
// it like any other journalled job.
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "common/error.h"
#include "pipeline/adopt.h"
#include "pipeline/backends.h"
#include "pipeline/runner.h"
#include "stages/generate_atlas.h"

namespace shotchain::cli {
namespace {

struct AdoptArgs {
  std::string job, target, id, state_dir;
};

int run_adopt(const AdoptArgs& a, const GlobalOptions& global) {
  pipeline::JobSpec job = pipeline::load_job_spec(a.job);
  auto target = pipeline::parse_adopt_target(job, a.target);
  std::filesystem::path state =
      a.state_dir.empty() ? pipeline::default_state_dir(job) : std::filesystem::path(a.state_dir);
  pipeline::BackendChoice choice{"atlas",          global.api_base, global.api_key_file,
                                 global.verbosity, nullptr,         a.job};
  std::string key = pipeline::find_api_key(choice);
  if (key.empty())
    throw Error(Failure::bad_input,
                "adopt: needs an API key to check the id (set ATLASCLOUD_API_KEY or "
                "--api-key-file)");
  stages::AtlasBackend atlas(stages::atlas_options(global.api_base, key, {}));
  StageContext ctx;
  auto p = atlas.client(ctx).prediction(a.id); // unknown: refused (exit 3)
  for (const auto& s : job.shots)
    if (s.id == target.shot_id && !p.model.empty() && p.model != s.model)
      throw Error(Failure::bad_input, "adopt: prediction " + a.id + " is of model " + p.model +
                                          ", shot \"" + s.id + "\" uses " + s.model);
  pipeline::adopt_prediction(state, target, a.id);
  if (global.verbosity > 0)
    std::printf(
        "attached prediction %s (%s) to shot \"%s\" segment %d; `shotchain run %s` "
        "downloads and verifies it\n",
        p.id.c_str(), p.status.c_str(), target.shot_id.c_str(), target.segment + 1, a.job.c_str());
  return 0;
}

} // namespace

void add_adopt_command(CLI::App& root, const GlobalOptions& global, Action& action) {
  auto args = std::make_shared<AdoptArgs>();
  auto* sub = root.add_subcommand(
      "adopt", "Attach a prediction to a segment whose submit could not be confirmed");
  sub->add_option("job", args->job, "The job spec (JSON)")->required();
  sub->add_option("target", args->target, "SHOT or SHOT/SEGMENT (1-based)")->required();
  sub->add_option("prediction_id", args->id, "The prediction id to attach")->required();
  sub->add_option("--state-dir", args->state_dir, "Journal folder (default: beside the job)");
  sub->callback([args, &global, &action] {
    action = [args, &global]() -> int { return run_adopt(*args, global); };
  });
}

} // namespace shotchain::cli
