#include "tests/support/temp_dir.h"

#include <fstream>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace shotchain::test {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "shotchain-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  const char* keep = std::getenv("SHOTCHAIN_KEEP_TEST_DIRS");
  if (keep && *keep == '1') return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string list_dir(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
  return out;
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace shotchain::test
