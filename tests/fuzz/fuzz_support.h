#pragma once
// Helpers shared by the libFuzzer targets: a per-process scratch file for inputs that the
// library reads from disk (media, state files), and a check that aborts on a broken promise
// (libFuzzer then records the input as a crash).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace shotchain::fuzz {

// A folder of this process's own under the temp directory, made once.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto d =
        std::filesystem::temp_directory_path() / ("shotchain-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

// Writes `bytes` to `name` in the scratch folder and returns its path.
inline std::filesystem::path write_scratch(const std::string& name, std::string_view bytes) {
  auto path = scratch_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// A promise of the library that the input broke: report and abort (a libFuzzer finding).
inline void require(bool ok, const char* promise) {
  if (ok) return;
  std::fprintf(stderr, "fuzz: broken promise: %s\n", promise);
  std::abort();
}

// Takes bytes off the front of the input: small numbers that steer a target.
class Steer {
 public:
  explicit Steer(std::string_view data) : rest_(data) {}
  unsigned byte() {
    if (rest_.empty()) return 0;
    unsigned b = static_cast<unsigned char>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  // Up to `max` bytes up to the next NUL (consumed), or the rest.
  std::string text(std::size_t max) {
    std::size_t n = rest_.find('\0');
    if (n == std::string_view::npos) n = rest_.size();
    n = std::min(n, max);
    std::string t(rest_.substr(0, n));
    rest_.remove_prefix(std::min(rest_.size(), n + 1));
    return t;
  }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

} // namespace shotchain::fuzz
