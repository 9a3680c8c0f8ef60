// Pipeline benchmark: `shotchain run` with 24 one-segment shots, --concurrency 8, against the
// in-process fake service with 2 s job latency (real HTTP on loopback, the client's real poll
// policy). Prints: generation wall time vs the ideal (3 rounds x 2 s), polls per job, the
// command's CPU per shot for generation (total minus an assembly-only rerun, and minus the
// verification decodes), and peak RSS. Targets (issue 5): wall <= 1.15x ideal, <= 6 polls per
// job, <= 50 ms CPU per shot apart from media work, peak RSS <= 200 MiB.
//
//   build/bench/bench_pipeline_fake_service [SHOTS=24] [CONCURRENCY=8] [LATENCY_MS=2000]
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "stages/preview_generator.h"
#include "tests/fake_atlas/fake_atlas.h"
#include "tests/support/run.h"

extern char** environ;

namespace fs = std::filesystem;
using namespace shotchain::test;

namespace {

struct ChildRun {
  int exit_code = -1;
  double cpu_s = 0;
  long max_rss_kib = 0;
  double wall_s = 0;
  std::string out;
};

ChildRun run_child(const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env, const fs::path& dir) {
  std::string out_path = (dir / "bench.out").string();
  std::vector<std::string> argv_s{SHOTCHAIN_BIN};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::string err_path = (dir / "bench.err").string();
  // Everything the child needs is made before fork() (the fake's server threads are running).
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!env.count(kv.substr(0, kv.find('=')))) env_s.push_back(kv);
  }
  for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    execve(SHOTCHAIN_BIN, argv.data(), envp.data());
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  ChildRun r;
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
            ru.ru_stime.tv_usec / 1e6;
  r.max_rss_kib = ru.ru_maxrss;
  std::ifstream in(out_path);
  r.out.assign(std::istreambuf_iterator<char>(in), {});
  return r;
}

double self_cpu() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

} // namespace

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

  FakeAtlas fake;
  fake.set_job_latency(std::chrono::milliseconds(latency_ms));
  std::map<std::string, std::string> env{{"ATLASCLOUD_API_KEY", fake.api_key()},
                                         {"ATLASCLOUD_API_BASE", fake.base_url()},
                                         {"XDG_CACHE_HOME", (dir / "cache").string()}};
  std::vector<std::string> args{"--json", "run", (dir / "job.json").string(), "--concurrency",
                                std::to_string(concurrency)};
  ChildRun full = run_child(args, env, dir);
  if (full.exit_code != 0) {
    std::fprintf(stderr, "run failed (%d): see %s\n", full.exit_code, (dir / "bench.err").c_str());
    return 1;
  }
  // Generation wall time: first segment started -> last segment finished (events' "t").
  double first = 1e9, last = 0;
  std::regex ev(
      R"re(\{"event":"(started|finished)","t":([0-9.]+),"shot":"[^"]*","stage":"generate")re");
  for (auto it = std::sregex_iterator(full.out.begin(), full.out.end(), ev);
       it != std::sregex_iterator(); ++it) {
    double t = std::stod((*it)[2]);
    if ((*it)[1] == "started") first = std::min(first, t);
    if ((*it)[1] == "finished") last = std::max(last, t);
  }
  double gen_wall = last - first;
  int rounds = (shots + concurrency - 1) / concurrency;
  double ideal = rounds * latency_ms / 1000.0;

  // Assembly only: the same job again with the outputs removed (every segment is reused).
  fs::remove_all(dir / "out");
  fs::remove(dir / "job.state" / "assembly.json");
  ChildRun assembly = run_child(args, env, dir);
  // The verification decodes (the backend's and the runner's) of one service clip.
  auto clip = dir / "job.state" / "shots" / "s0" / "segment-1.mp4";
  double c0 = self_cpu();
  for (int i = 0; i < 4; ++i) shotchain::preview::inspect_clip(clip);
  double decode = (self_cpu() - c0) / 4;

  double gen_cpu_per_shot = (full.cpu_s - assembly.cpu_s) / shots;
  double own_per_shot = gen_cpu_per_shot - 2 * decode;
  std::printf("pipeline benchmark: %d one-segment shots, concurrency %d, fake latency %d ms\n",
              shots, concurrency, latency_ms);
  std::printf(
      "  generation wall   %.2f s   ideal %d rounds x %.1f s = %.1f s   ratio %.2f "
      "(target <= 1.15 plus transfers)\n",
      gen_wall, rounds, latency_ms / 1000.0, ideal, gen_wall / ideal);
  std::printf("  whole run wall    %.2f s (with assembly of %d clips)\n", full.wall_s, shots);
  std::printf("  polls per job     %.2f   (%d GET /prediction for %d jobs; target <= 6)\n",
              static_cast<double>(fake.calls(Route::prediction)) / shots,
              fake.calls(Route::prediction), fake.jobs_created());
  std::printf("  generate calls    %d (planned %d)\n", fake.generate_calls(), shots);
  std::printf(
      "  CPU per shot      %.1f ms generation phase (run %.2f s - assembly-only rerun "
      "%.2f s) / %d\n",
      gen_cpu_per_shot * 1000, full.cpu_s, assembly.cpu_s, shots);
  std::printf(
      "                    %.1f ms of it is 2 verification decodes (%.1f ms each); "
      "shotchain's own: %.1f ms (target <= 50)\n",
      2 * decode * 1000, decode * 1000, own_per_shot * 1000);
  std::printf("  peak RSS          %.1f MiB (whole run, assembly included; target <= 200)\n",
              full.max_rss_kib / 1024.0);
  fs::remove_all(dir);
  return 0;
}
