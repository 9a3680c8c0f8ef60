// Issue 10, benchmark 1: the README's demo storyboard (samples/storyboard.json: 4 shots, 6
// jobs; "journey" is 3 chained segments and "dusk" starts from its last frame, so 4 jobs run
// one after another) against the in-process fake service with a job latency (default 15 s),
// --concurrency 4, real HTTP on loopback, the client's real poll policy.
//
// The ideal, measured in the same run: the 4 jobs of the critical path, each as long as one
// `shotchain generate` of one job (the second of two, so that it polls as a learned client
// does, like the run), plus one shot clip's encode (`shotchain convert` of one generated clip
// to ProRes 422 HQ). Target: end-to-end wall <= 1.10 x ideal. Every command shares one cache
// folder (the poll memory), as a user's runs do.
//
//   build/bench/bench_pipeline_demo_fake_service [LATENCY_MS=15000] [CONCURRENCY=4]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "bench/child_run.h"
#include "tests/fake_atlas/fake_atlas.h"

namespace fs = std::filesystem;
using namespace shotchain::test;

namespace {

// The latest "t" of a --json event of `stage` with `kind` ("" shot: any).
double last_event(const std::string& out, const std::string& kind, const std::string& stage) {
  std::regex ev("\\{\"event\":\"" + kind +
                "\",\"t\":([0-9.]+),(\"shot\":\"[^\"]*\",)?\"stage\":\"" + stage + "\"");
  double last = 0;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), ev); it != std::sregex_iterator();
       ++it)
    last = std::max(last, std::stod((*it)[1]));
  return last;
}

} // namespace

int main(int argc, char** argv) {
  const int latency_ms = argc > 1 ? std::atoi(argv[1]) : 15000;
  const int concurrency = argc > 2 ? std::atoi(argv[2]) : 4;
  std::string tmpl = (fs::temp_directory_path() / "shotchain-bench-demo-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) return 1;
  const fs::path dir = tmpl;
  const fs::path samples = fs::path(SHOTCHAIN_SOURCE_DIR) / "samples";
  fs::copy(samples / "storyboard.json", dir / "storyboard.json");
  fs::copy(samples / "inputs", dir / "inputs", fs::copy_options::recursive);

  FakeAtlas fake;
  fake.set_job_latency(std::chrono::milliseconds(latency_ms));
  const std::map<std::string, std::string> env{{"ATLASCLOUD_API_KEY", fake.api_key()},
                                               {"ATLASCLOUD_API_BASE", fake.base_url()},
                                               {"XDG_CACHE_HOME", (dir / "cache").string()}};

  // One job, twice: the first teaches the poll memory, the second is the one-job wall.
  ChildRun one;
  for (int i = 0; i < 2; ++i) {
    one = run_child({"generate", "--image", (dir / "inputs" / "portrait.png").string(), "--prompt",
                     "one job " + std::to_string(i), "-o", (dir / "one.mp4").string()},
                    env, dir);
    if (one.exit_code != 0) return 1;
  }
  ChildRun encode = run_child(
      {"convert", (dir / "one.mp4").string(), "-o", (dir / "one.mov").string()}, env, dir);
  if (encode.exit_code != 0) return 1;
  const int polls_before = fake.calls(Route::prediction);
  const int jobs_before = fake.jobs_created();

  ChildRun full = run_child({"--json", "run", (dir / "storyboard.json").string(), "--concurrency",
                             std::to_string(concurrency), "--state-dir", (dir / "state").string(),
                             "--output-dir", (dir / "out").string()},
                            env, dir);
  if (full.exit_code != 0) return 1;
  const int jobs = fake.jobs_created() - jobs_before;
  const int polls = fake.calls(Route::prediction) - polls_before;
  const double gen_end = last_event(full.out, "finished", "generate");
  const double ideal = 4 * one.wall_s + encode.wall_s;

  std::printf("demo storyboard against the fake service: latency %.1f s, concurrency %d\n",
              latency_ms / 1000.0, concurrency);
  std::printf("  one job (`shotchain generate`, learned polling)   %.2f s\n", one.wall_s);
  std::printf("  one shot clip's encode (`shotchain convert` ProRes HQ) %.2f s\n", encode.wall_s);
  std::printf("  ideal: 4 jobs on the critical path + one encode    %.2f s\n", ideal);
  std::printf(
      "  `shotchain run` end to end                          %.2f s  (last segment "
      "verified at %.2f s, then %.2f s to the sequence)\n",
      full.wall_s, gen_end, full.wall_s - gen_end);
  std::printf("  ratio end-to-end / ideal                            %.3f (target <= 1.10)\n",
              full.wall_s / ideal);
  std::printf("  jobs %d, polls per job %.2f, peak RSS %.1f MiB\n", jobs,
              jobs ? static_cast<double>(polls) / jobs : 0.0, full.max_rss_kib / 1024.0);
  if (!std::getenv("KEEP")) fs::remove_all(dir);
  return 0;
}
