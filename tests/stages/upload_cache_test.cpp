// The upload cache file is state anyone can damage (tests/fuzz/fuzz_state_files.cpp): a
// damaged cache is a cold cache, rewritten whole on the next store; never a crash or UB.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "stages/generate_upload_cache.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using shotchain::test::read_file;
using shotchain::test::TempDir;

namespace {

std::optional<std::string> find_in(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
  stages::UploadCache cache(file);
  return cache.find("B", "h", "n.png");
}

} // namespace

TEST(UploadCache, FreshEntryIsFound) {
  TempDir dir;
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  EXPECT_EQ(find_in(dir / "u.json", R"({"uploads":{"B h/n.png":{"url":"https://f/x","stored_at":)" +
                                        std::to_string(now) + "}}}"),
            "https://f/x");
}

// Finding: `now - stored_at` overflowed for a stored_at near INT64_MIN (UBSan).
TEST(UploadCache, ExtremeStoredAtIsExpiredWithoutOverflow) {
  TempDir dir;
  EXPECT_EQ(
      find_in(
          dir / "u.json",
          R"({"uploads":{"B h/n.png":{"url":"https://f/x","stored_at":-9223372036854775808}}})"),
      std::nullopt);
}

TEST(UploadCache, DamagedCacheIsColdAndRewrittenWhole) {
  TempDir dir;
  for (std::string damaged : {std::string(100000, '['), std::string("{\"uploads\":{\"B h/n.png\":"),
                              std::string("{\"uploads\":[1]}"), std::string("\x01\xff")}) {
    auto file = dir / "u.json";
    EXPECT_EQ(find_in(file, damaged), std::nullopt);
    stages::UploadCache cache(file);
    cache.store("B", "h", "n.png", "https://f/y");
    stages::UploadCache again(file);
    EXPECT_EQ(again.find("B", "h", "n.png"), "https://f/y") << read_file(file);
  }
}
