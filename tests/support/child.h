#pragma once
// A `shotchain` child process for tests and benchmarks that need one in the background (to
// kill it, signal it, or measure it): started with fork/exec, output to files.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/run.h"

namespace shotchain::test {

// Starts the command in the background, output to child.out/child.err in `dir`; `env` entries
// are set (an empty value unsets).
inline pid_t spawn(const std::vector<std::string>& args, const std::filesystem::path& dir,
                   const std::map<std::string, std::string>& env) {
  // Everything the child needs is made before fork(): between fork and exec it only calls
  // async-signal-safe functions (the test process has server threads).
  std::string out_path = (dir / "child.out").string(), err_path = (dir / "child.err").string();
  std::vector<std::string> argv_s{SHOTCHAIN_BIN};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<std::string> env_s = merged_environment(env);
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

// Waits for the child to end: its exit code (128 + signal when killed); `usage`, when given,
// receives its CPU time and peak RSS.
inline int wait_exit(pid_t pid, rusage* usage = nullptr) {
  int status = 0;
  wait4(pid, &status, 0, usage);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace shotchain::test
