#pragma once
// Shared by the remote tests: a client configuration with tiny, configurable durations, and a
// log sink that keeps every line so tests can assert that the key never appears.
#include <mutex>
#include <string>
#include <vector>

#include "remote/atlas.h"
#include "tests/fake_atlas/fake_atlas.h"

namespace shotchain::test {

struct LogCapture {
  std::mutex mu;
  std::vector<std::string> lines;
  remote::LogSink sink() {
    return [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu);
      lines.push_back(line);
    };
  }
  std::string all() {
    std::lock_guard<std::mutex> lock(mu);
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
};

inline remote::AtlasConfig fast_config(const FakeAtlas& fake, LogCapture* log = nullptr) {
  using namespace std::chrono_literals;
  remote::AtlasConfig c;
  c.api_base = fake.base_url();
  c.api_key = fake.api_key();
  c.api_timeouts.connect = 1000ms;
  c.api_timeouts.total = 1000ms;
  c.upload_timeouts.connect = 1000ms;
  c.upload_timeouts.stall = 1000ms;
  c.retry.base = 5ms;
  c.retry.cap = 20ms;
  c.retry.retry_after_cap = 150ms;
  c.retry.seed = 42;
  c.poll.initial = 10ms;
  c.poll.max = 40ms;
  c.poll.deadline = 5000ms;
  if (log) c.log = log->sink();
  return c;
}

} // namespace shotchain::test
