#pragma once
// Shared by the command tests against the in-process fake service: the fake, a folder with a
// reference picture, the environment that points the command at the fake with quick retry and
// poll timings, every run recorded, and, at the end of each test, the promise that the API key
// reached no byte printed or written (only the key file a test writes on purpose may hold it)
// and that no storage request carried it.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/fake_atlas/fake_atlas.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

namespace shotchain::test {

class FakeServiceCli : public ::testing::Test {
 protected:
  FakeAtlas fake;
  TempDir dir;
  std::vector<RunResult> runs;
  std::map<std::string, std::string> extra_env; // a suite's own additions to env()

  void SetUp() override {
    ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=640x360", "-frames:v", "1",
            (dir / "ref.png").string()});
  }

  std::map<std::string, std::string> env(bool with_key = true) {
    std::map<std::string, std::string> e{
        {"ATLASCLOUD_API_BASE", fake.base_url()},
        {"XDG_CACHE_HOME", (dir / "cache").string()},
        {"SHOTCHAIN_ATLAS_TUNING",
         "api_total_ms=1500,poll_initial_ms=20,poll_max_ms=60,retry_base_ms=5,retry_cap_ms=20,"
         "retry_after_cap_ms=100,stall_ms=1000,retry_seed=9"}};
    e["ATLASCLOUD_API_KEY"] = with_key ? fake.api_key() : "";
    for (const auto& [k, v] : extra_env) e[k] = v;
    return e;
  }

  RunResult shotchain(const std::vector<std::string>& args, bool with_key = true) {
    auto r = run_shotchain(args, env(with_key));
    runs.push_back(r);
    return r;
  }

  void TearDown() override {
    const auto& key = fake.api_key();
    for (const auto& r : runs) {
      EXPECT_EQ(r.out.find(key), std::string::npos) << "key on stdout";
      EXPECT_EQ(r.err.find(key), std::string::npos) << "key on stderr: " << r.err;
    }
    for (auto& e : std::filesystem::recursive_directory_iterator(dir.path())) {
      if (e.is_regular_file() && e.path().filename() != "key.txt") {
        EXPECT_EQ(read_file(e.path()).find(key), std::string::npos) << "key in " << e.path();
      }
    }
    EXPECT_EQ(fake.storage_calls_with_authorization(), 0);
  }
};

} // namespace shotchain::test
