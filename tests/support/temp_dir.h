#pragma once
// A scratch folder per test, removed when the test ends (kept with SHOTCHAIN_KEEP_TEST_DIRS=1).
#include <filesystem>
#include <string>

namespace shotchain::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Lists the files left in `dir` (names only, sorted), to assert nothing half-written remains.
std::string list_dir(const std::filesystem::path& dir);

// The whole content of a file, bytes as they are ("" when it cannot be read).
std::string read_file(const std::filesystem::path& file);

} // namespace shotchain::test
