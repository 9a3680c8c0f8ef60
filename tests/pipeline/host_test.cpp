// samples/host: a program embedding the library (installed package) with its own progress sink
// and its own stage inserted before assembly, built and run here.
#include <gtest/gtest.h>

#include "tests/pipeline/test_job.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain::test;

TEST(HostSample, BuildsAgainstInstalledPackageAndRunsWithOwnSinkAndStage) {
  TempDir dir;
  auto prefix = (dir / "prefix").string();
  auto inst = run({"cmake", "--install", SHOTCHAIN_BINARY_DIR, "--prefix", prefix});
  ASSERT_EQ(inst.exit_code, 0) << inst.err;
  auto conf = run({"cmake", "-S", std::string(SHOTCHAIN_SOURCE_DIR) + "/samples/host", "-B",
                   (dir / "build").string(), "-G", "Ninja", "-DCMAKE_PREFIX_PATH=" + prefix,
                   "-DCMAKE_BUILD_TYPE=RelWithDebInfo"});
  ASSERT_EQ(conf.exit_code, 0) << conf.out << conf.err;
  auto build = run({"cmake", "--build", (dir / "build").string()});
  ASSERT_EQ(build.exit_code, 0) << build.out << build.err;

  auto work = dir / "work";
  std::filesystem::create_directories(work);
  make_job_inputs(work);
  auto job = write_job(work, job_text());
  auto r = run({(dir / "build" / "shotchain_host").string(), job.string(), (work / "out").string(),
                (work / "state").string()},
               {{"SHOTCHAIN_PREVIEW_HEIGHT", "144"}});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Its own sink saw every shot; its own stage ran on every shot clip before assembly.
  for (const char* shot : {"a", "b", "c"}) {
    EXPECT_NE(r.out.find("[host] events for " + std::string(shot) + ":"), std::string::npos);
    EXPECT_NE(r.out.find("[host] " + std::string(shot) + " host-upscale finished"),
              std::string::npos)
        << r.out;
  }
  EXPECT_NE(r.out.find("598 frames"), std::string::npos) << r.out;
  // The sequence takes the first (upscaled) clip's size: 216x144 * 3/2.
  EXPECT_EQ(ffprobe_value((work / "out" / "seq.mp4").string(), "v:0", "stream=width,height"),
            "324,216");
}
