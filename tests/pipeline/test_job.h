#pragma once
// Shared by the pipeline tests: small inputs made with the ffmpeg CLI and a small job spec.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace shotchain::test {

// ref.png (480x320) and src.mp4 (480x320, 2 s, 25 fps) in `dir`.
inline void make_job_inputs(const std::filesystem::path& dir) {
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=480x320:rate=1", "-frames:v", "1",
          (dir / "ref.png").string()});
  ffmpeg({"-f", "lavfi", "-i", "testsrc=size=480x320:rate=25:duration=2", "-c:v", "libx264",
          "-preset", "ultrafast", "-pix_fmt", "yuv420p", (dir / "src.mp4").string()});
}

// Three shots: "a" (image, 2 chained segments), "b" (from a's last frame, right after it),
// "c" (a video frame at 1 s). 4 generations; 299 + 150 - 1 + 150 = 598 frames.
inline std::string job_text(const std::string& prompt_a = "pan over the test card",
                            const std::string& prompt_c = "the clock ticks") {
  return R"({
  "output": { "path": "out/seq.mp4", "codec": "h264", "timeline": ["otio", "edl"],
              "contact_sheet": false },
  "shots": [
    { "id": "a", "reference": { "image": "ref.png" }, "prompt": ")" +
         prompt_a + R"(", "segments": 2 },
    { "id": "b", "reference": { "shot": "a" }, "prompt": "then it drifts on" },
    { "id": "c", "reference": { "video": "src.mp4", "at": "1.0" }, "prompt": ")" +
         prompt_c + R"(" }
  ]
})";
}

// Two one-segment shots: "a" (image) and "b" (from a's last frame). 2 generations.
inline std::string small_job_text() {
  return R"({
  "output": { "path": "out/seq.mp4", "codec": "h264", "timeline": ["otio"], "qc": false,
              "contact_sheet": false },
  "shots": [
    { "id": "a", "reference": { "image": "ref.png" }, "prompt": "pan over the test card" },
    { "id": "b", "reference": { "shot": "a" }, "prompt": "then it drifts on" }
  ]
})";
}

inline std::filesystem::path write_job(const std::filesystem::path& dir, const std::string& text) {
  auto p = dir / "job.json";
  std::ofstream(p) << text;
  return p;
}

// Starts the command in the background, output to child.out/child.err in `dir`; `env` entries
// are set (an empty value unsets).
inline pid_t spawn(const std::vector<std::string>& args, const std::filesystem::path& dir,
                   const std::map<std::string, std::string>& env) {
  // Everything the child needs is made before fork(): between fork and exec it only calls
  // async-signal-safe functions (the test process has server threads).
  std::string out_path = (dir / "child.out").string(), err_path = (dir / "child.err").string();
  std::vector<std::string> argv_s{SHOTCHAIN_BIN};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env) {
    if (v.empty())
      vars.erase(k);
    else
      vars[k] = v;
  }
  std::vector<std::string> env_s;
  for (const auto& [k, v] : vars) env_s.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    execve(SHOTCHAIN_BIN, argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

// Waits (up to 60 s) until `cond` holds while the child runs; false if the child ended first.
inline bool wait_until(pid_t pid, const std::function<bool()>& cond) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

inline int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A number from the final {"event":"done",...} line of --json output (-1 when absent).
inline int json_field(const std::string& out, const std::string& name) {
  auto done = out.find("{\"event\":\"done\"");
  if (done == std::string::npos) return -1;
  std::string key = "\"" + name + "\":";
  auto at = out.find(key, done);
  if (at == std::string::npos) return -1;
  return std::atoi(out.c_str() + at + key.size());
}

} // namespace shotchain::test
