// Issue 10, benchmark 4: peak RSS of a 40-shot run vs a 4-shot run (target <= 1.1x), on the
// product's real path: the atlas backend against the in-process fake service (real HTTP on
// loopback, answering at once), its 576x324 H.264 clips downloaded, verified, each encoded
// once to ProRes 422 HQ while the other shots generate, then copied into the sequence with
// timelines, QC and contact sheet. --concurrency 4 in both runs.
//
//   build/bench/bench_pipeline_shots_rss [SMALL=4] [LARGE=40] [--no-contact-sheet]
// (the contact sheet is one PNG holding a row per shot: its canvas and thumbnails grow with the
// shots; the third argument measures the run without it).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "bench/child_run.h"
#include "tests/fake_atlas/fake_atlas.h"
#include "tests/support/run.h"

namespace fs = std::filesystem;
using namespace shotchain::test;

namespace {

// Peak RSS (KiB) of a run of `shots` one-segment shots in `dir`; -1 when it failed.
long run_shots(int shots, const fs::path& dir, bool contact_sheet) {
  fs::create_directories(dir);
  fs::copy_file(fs::path(SHOTCHAIN_SOURCE_DIR) / "samples" / "inputs" / "portrait.png",
                dir / "portrait.png");
  std::string job = std::string(R"({"output":{"path":"out/seq.mov","codec":"prores_hq",)") +
                    "\"contact_sheet\":" + (contact_sheet ? "true" : "false") + "},\"shots\":[";
  for (int i = 0; i < shots; ++i)
    job += std::string(i ? "," : "") + R"({"id":"s)" + std::to_string(i) +
           R"(","reference":{"image":"portrait.png"},"prompt":"shot )" + std::to_string(i) + "\"}";
  std::ofstream(dir / "job.json") << job << "]}";
  FakeAtlas fake;
  std::map<std::string, std::string> env{{"ATLASCLOUD_API_KEY", fake.api_key()},
                                         {"ATLASCLOUD_API_BASE", fake.base_url()},
                                         {"XDG_CACHE_HOME", (dir / "cache").string()}};
  ChildRun r =
      run_child({"-q", "run", (dir / "job.json").string(), "--concurrency", "4"}, env, dir);
  return r.exit_code == 0 ? r.max_rss_kib : -1;
}

} // namespace

int main(int argc, char** argv) {
  const int small = argc > 1 ? std::atoi(argv[1]) : 4;
  const int large = argc > 2 ? std::atoi(argv[2]) : 40;
  std::string tmpl = (fs::temp_directory_path() / "shotchain-bench-rss-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) return 1;
  const fs::path dir = tmpl;
  const bool sheet = !(argc > 3 && std::string(argv[3]) == "--no-contact-sheet");
  long a = run_shots(small, dir / "small", sheet);
  long b = run_shots(large, dir / "large", sheet);
  if (a <= 0 || b <= 0) return 1;
  std::printf("peak RSS, atlas backend against the fake service, ProRes HQ, concurrency 4, %s\n",
              sheet ? "with contact sheet" : "no contact sheet");
  std::printf("  %3d shots %8.1f MiB\n  %3d shots %8.1f MiB\n  ratio %.3f (target <= 1.1)\n", small,
              a / 1024.0, large, b / 1024.0, static_cast<double>(b) / a);
  fs::remove_all(dir);
  return 0;
}
