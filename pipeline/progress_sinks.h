#pragma once
// The command's progress sinks (public header; hosts may use them too): one JSON event per line
// (--json), plain log lines (not a terminal), or one live line per shot on a terminal.
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "stages/stage.h"

namespace shotchain::pipeline {

// {"event":"started","shot":"harbor","stage":"generate","segment":1,"segments":3,...}
std::string event_json(const ProgressEvent& e, double elapsed_seconds);

class JsonLinesSink final : public ProgressSink {
 public:
  explicit JsonLinesSink(std::FILE* out) : out_(out) {}
  void on_event(const ProgressEvent& e) override;

 private:
  std::FILE* out_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// "[  12.3s] harbor 2/3 generate: started" (fraction-only updates are left out).
class LogLineSink final : public ProgressSink {
 public:
  LogLineSink(std::FILE* out, int verbosity) : out_(out), verbosity_(verbosity) {}
  void on_event(const ProgressEvent& e) override;

 private:
  std::FILE* out_;
  int verbosity_;
  std::mutex mutex_;
  std::map<std::string, std::string> last_state_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// One live line per shot, generation and assembly side by side, redrawn in place:
//   journey   generating 3/3    12.1s      processing  | encoding 2/3
// (then "assembling", then "done"). Job-level lines scroll above the block.
class TerminalSink final : public ProgressSink {
 public:
  explicit TerminalSink(std::FILE* out) : out_(out) {}
  void on_event(const ProgressEvent& e) override;

 private:
  struct Line {
    std::string gen, state; // the generation side and the service's state
    std::string media;      // the assembly side
    double fraction = -1;
    std::chrono::steady_clock::time_point since = std::chrono::steady_clock::now();
  };
  void redraw(bool force);
  std::FILE* out_;
  std::mutex mutex_;
  std::vector<std::string> order_;
  std::map<std::string, Line> lines_;
  int drawn_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

} // namespace shotchain::pipeline
