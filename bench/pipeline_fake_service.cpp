// Pipeline benchmark: `shotchain run` with 24 one-segment shots, --concurrency 8, against the
// in-process fake service with 2 s job latency (real HTTP on loopback, the client's real poll
// policy). Prints: generation wall time vs the ideal (3 rounds x 2 s), polls per job, the
// command's own CPU per shot during generation (the process CPU at the end of generation minus
// the CPU measured inside media work, both reported by the run itself), and peak RSS. Targets
// (issue 5): wall <= 1.15x ideal, <= 6 polls per job, <= 50 ms CPU per shot apart from media work,
// peak RSS <= 200 MiB.
//
//   build/bench/bench_pipeline_fake_service [SHOTS=24] [CONCURRENCY=8] [LATENCY_MS=2000]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "bench/child_run.h"
#include "tests/fake_atlas/fake_atlas.h"
#include "tests/support/child.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace shotchain::test;

int main(int argc, char** argv) {
  int shots = argc > 1 ? std::atoi(argv[1]) : 24;
  int concurrency = argc > 2 ? std::atoi(argv[2]) : 8;
  int latency_ms = argc > 3 ? std::atoi(argv[3]) : 2000;
  std::string tmpl = (fs::temp_directory_path() / "shotchain-bench-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) return 1;
  fs::path dir = tmpl;

  auto r0 = run({"ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                 "testsrc2=size=640x360:rate=1", "-frames:v", "1", (dir / "ref.png").string()});
  if (r0.exit_code != 0) return 1;
  std::string job = R"({"output":{"path":"out/seq.mp4","codec":"h264","timeline":[],"qc":false,)"
                    R"("contact_sheet":false},"shots":[)";
  for (int i = 0; i < shots; ++i)
    job += std::string(i ? "," : "") + R"({"id":"s)" + std::to_string(i) +
           R"(","reference":{"image":"ref.png"},"prompt":"shot )" + std::to_string(i) + "\"}";
  job += "]}";
  std::ofstream(dir / "job.json") << job;

  // Two runs of the same job, each against its own fake service, in its own folder:
  // the service answering at once (what transfers, verification and bookkeeping cost), then
  // with the latency. The ideal is the rounds of latency plus that floor.
  struct Measured {
    ChildRun child;
    double gen_wall = 0;
    int polls = 0, jobs = 0, generate_calls = 0;
  };
  auto measure = [&](int latency, const fs::path& where) -> std::optional<Measured> {
    fs::create_directories(where);
    fs::copy_file(dir / "job.json", where / "job.json", fs::copy_options::overwrite_existing);
    fs::copy_file(dir / "ref.png", where / "ref.png", fs::copy_options::overwrite_existing);
    FakeAtlas fake;
    fake.set_job_latency(std::chrono::milliseconds(latency));
    std::map<std::string, std::string> env{{"ATLASCLOUD_API_KEY", fake.api_key()},
                                           {"ATLASCLOUD_API_BASE", fake.base_url()},
                                           {"XDG_CACHE_HOME", (where / "cache").string()}};
    std::vector<std::string> args{"--json", "run", (where / "job.json").string(), "--concurrency",
                                  std::to_string(concurrency)};
    Measured m;
    m.child = run_child(args, env, where);
    if (m.child.exit_code != 0) {
      std::fprintf(stderr, "run failed (%d): see %s\n", m.child.exit_code,
                   (where / "child.err").c_str());
      return std::nullopt;
    }
    // Generation wall time: first segment started -> last segment finished (events' "t").
    double first = 1e9, last = 0;
    std::regex ev(
        R"re(\{"event":"(started|finished)","t":([0-9.]+),"shot":"[^"]*","stage":"generate")re");
    for (auto it = std::sregex_iterator(m.child.out.begin(), m.child.out.end(), ev);
         it != std::sregex_iterator(); ++it) {
      double t = std::stod((*it)[2]);
      if ((*it)[1] == "started") first = std::min(first, t);
      if ((*it)[1] == "finished") last = std::max(last, t);
    }
    m.gen_wall = last - first;
    m.polls = fake.calls(Route::prediction);
    m.jobs = fake.jobs_created();
    m.generate_calls = fake.generate_calls();
    return m;
  };
  auto floor_run = measure(0, dir / "no-latency");
  auto main_run = measure(latency_ms, dir / "with-latency");
  if (!floor_run || !main_run) return 1;
  const ChildRun& full = main_run->child;
  const double gen_wall = main_run->gen_wall, floor_wall = floor_run->gen_wall;
  int rounds = (shots + concurrency - 1) / concurrency;
  double ideal = rounds * latency_ms / 1000.0 + floor_wall;

  // CPU: the run reports its process CPU at the end of generation and the part of it measured
  // inside media work (reference checks, clip verification, last frames); the rest is
  // shotchain's own (HTTP, JSON, journal, scheduling, process start).
  std::smatch cpu;
  if (!std::regex_search(
          full.out, cpu,
          std::regex(
              R"re("cpu_s":\{"generation":([0-9.]+),"generation_media":([0-9.]+),"assembly":([0-9.]+))re"))) {
    std::fprintf(stderr, "no cpu_s in the run's done event: see %s\n",
                 (dir / "with-latency" / "child.out").c_str());
    return 1;
  }
  const double gen_cpu = std::stod(cpu[1]), gen_media = std::stod(cpu[2]),
               asm_cpu = std::stod(cpu[3]);
  const double own_per_shot = (gen_cpu - gen_media) / shots;
  std::printf("pipeline benchmark: %d one-segment shots, concurrency %d, fake latency %d ms\n",
              shots, concurrency, latency_ms);
  std::printf(
      "  generation wall   %.2f s   ideal %d rounds x %.1f s + %.2f s transfers = %.2f s   "
      "ratio %.2f (target <= 1.15)\n",
      gen_wall, rounds, latency_ms / 1000.0, floor_wall, ideal, gen_wall / ideal);
  std::printf(
      "                    (transfers: the same run against a service that answers at "
      "once; without them the ratio is %.2f)\n",
      gen_wall / (rounds * latency_ms / 1000.0));
  std::printf("  whole run wall    %.2f s (with assembly of %d clips)\n", full.wall_s, shots);
  std::printf("  polls per job     %.2f   (%d GET /prediction for %d jobs; target <= 6)\n",
              static_cast<double>(main_run->polls) / shots, main_run->polls, main_run->jobs);
  std::printf("  generate calls    %d (planned %d)\n", main_run->generate_calls, shots);
  std::printf(
      "  CPU               generation %.2f s, of it media %.2f s; assembly %.2f s (whole run "
      "%.2f s as the kernel counts it)\n",
      gen_cpu, gen_media, asm_cpu, full.cpu_s);
  std::printf(
      "  own CPU per shot  %.1f ms = (generation - media) / %d shots, process start "
      "included (target <= 50)\n",
      own_per_shot * 1000, shots);
  std::printf("  peak RSS          %.1f MiB (whole run, assembly included; target <= 200)\n",
              full.max_rss_kib / 1024.0);
  fs::remove_all(dir);
  return 0;
}
