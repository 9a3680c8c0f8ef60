#pragma once
// Shared by the pipeline benchmarks: runs the shotchain command as a child process (in `dir`,
// its stdout in dir/child.out, stderr in dir/child.err) and measures it as the kernel does.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/support/child.h"
#include "tests/support/temp_dir.h"

namespace shotchain::test {

struct ChildRun {
  int exit_code = -1;
  double cpu_s = 0;
  long max_rss_kib = 0;
  double wall_s = 0;
  std::string out;
};

inline ChildRun run_child(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env,
                          const std::filesystem::path& dir) {
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = spawn(args, dir, env);
  rusage ru{};
  ChildRun r;
  r.exit_code = wait_exit(pid, &ru);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
            ru.ru_stime.tv_usec / 1e6;
  r.max_rss_kib = ru.ru_maxrss;
  r.out = read_file(dir / "child.out");
  if (r.exit_code != 0)
    std::fprintf(stderr, "shotchain %s failed (%d): see %s\n", args.front().c_str(), r.exit_code,
                 (dir / "child.err").c_str());
  return r;
}

} // namespace shotchain::test
