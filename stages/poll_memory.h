#pragma once
// The poll memory: what finished jobs taught about each model's duration, kept in the cache
// folder across runs (poll.json beside uploads.json), so that the first poll of a job lands
// near its expected end even in a new run. One remote::PollLearner per model, seeded from the
// file; every job seen finishing narrows it and the file is rewritten. A damaged file is
// a cold memory. Thread-safe.
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "remote/atlas.h"

namespace shotchain::stages {

class PollMemory {
 public:
  // `file` "" keeps the memory for this process only.
  explicit PollMemory(std::filesystem::path file = {});
  // The learner of `model`, shared by every job of that model in this process.
  std::shared_ptr<remote::PollLearner> learner_for(const std::string& model);
  // Writes what the learner of `model` knows now.
  void remember(const std::string& model);

 private:
  void load();
  std::filesystem::path file_;
  std::mutex mu_;
  bool loaded_ = false;
  std::map<std::string, remote::PollLearner::Bracket> stored_;
  std::map<std::string, std::shared_ptr<remote::PollLearner>> learners_;
};

// $XDG_CACHE_HOME/shotchain/poll.json, else ~/.cache/shotchain/poll.json, else "".
std::filesystem::path default_poll_memory_path();

} // namespace shotchain::stages
