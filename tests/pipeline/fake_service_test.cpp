// `shotchain run` end to end against the in-process fake Atlas service (real HTTP on loopback):
// generate calls == planned segments, a rerun calls nothing, kill -9 while a prediction is
// awaited never resubmits it, a lost submit answer is adopted from the history, and a failed
// prediction exits 3 naming the shot.
#include <signal.h>

#include <gtest/gtest.h>

#include "tests/fake_atlas/fake_atlas.h"
#include "tests/pipeline/test_job.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain::test;
namespace fs = std::filesystem;

namespace {

class FakeServiceRun : public ::testing::Test {
 protected:
  void SetUp() override {
    make_job_inputs(dir.path());
    job = write_job(dir.path(), job_text()).string();
    // The service's outputs: 150 frames at 25 fps whose pictures are big enough (short side
    // over 300 px) to chain from, as the real 768-line outputs are.
    auto clip = (dir / "service.mp4").string();
    ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=480x320:rate=25:duration=6", "-c:v", "libx264",
            "-preset", "ultrafast", "-pix_fmt", "yuv420p", clip});
    fake.set_output_bytes(read_file(clip));
    fake.set_job_latency(std::chrono::milliseconds(200));
  }
  std::map<std::string, std::string> env() {
    return {{"ATLASCLOUD_API_KEY", fake.api_key()},
            {"ATLASCLOUD_API_BASE", fake.base_url()},
            {"XDG_CACHE_HOME", (dir / "cache").string()},
            {"SHOTCHAIN_ATLAS_TUNING",
             "api_total_ms=2000,poll_initial_ms=20,poll_max_ms=80,retry_base_ms=5,"
             "retry_cap_ms=20,retry_after_cap_ms=100,stall_ms=2000,retry_seed=3"}};
  }
  RunResult run_job() { return run_shotchain({"--json", "run", job}, env()); }
  FakeAtlas fake;
  TempDir dir;
  std::string job;
};

} // namespace

TEST_F(FakeServiceRun, GenerateCallsEqualPlannedSegmentsAndRerunCallsNothing) {
  auto r = run_job();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("preview"), std::string::npos) << r.err; // the atlas backend ran
  EXPECT_EQ(fake.generate_calls(), 4);
  EXPECT_EQ(fake.jobs_created(), 4);
  EXPECT_EQ(json_field(r.out, "generated"), 4);
  int frames = json_field(r.out, "frames");
  EXPECT_EQ(ffprobe_value((dir / "out" / "seq.mp4").string(), "v:0", "stream=nb_frames"),
            std::to_string(frames));
  // Each provenance record names the predictions the service made.
  std::string prov = read_file(dir / "out" / "provenance" / "a.json");
  int named = 0;
  for (const auto& id : fake.job_ids()) named += prov.find(id) != std::string::npos;
  EXPECT_EQ(named, 2) << prov;
  // The key never lands in the journal or the outputs.
  EXPECT_EQ(read_file(dir / "job.state" / "shots" / "a.json").find(fake.api_key()),
            std::string::npos);
  EXPECT_EQ(prov.find(fake.api_key()), std::string::npos);

  auto again = run_job();
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(fake.generate_calls(), 4);
  EXPECT_EQ(json_field(again.out, "reused"), 4);
}

TEST_F(FakeServiceRun, KillNineWhileAwaitingNeverResubmitsThePrediction) {
  job = write_job(dir.path(), small_job_text()).string();
  fake.set_job_latency(std::chrono::milliseconds(3000));
  pid_t pid = spawn({"--json", "run", job, "--concurrency", "1"}, dir.path(), env());
  bool hit = wait_until(pid, [&] {
    return read_file(dir / "job.state" / "shots" / "a.json").find("\"status\": \"submitted\"") !=
           std::string::npos;
  });
  kill(pid, SIGKILL);
  wait_exit(pid);
  ASSERT_TRUE(hit) << read_file(dir / "child.err");
  EXPECT_EQ(fake.generate_calls(), 1);
  fake.set_job_latency(std::chrono::milliseconds(200));
  auto r = run_job();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 2); // the journalled prediction was awaited, not resent
  EXPECT_EQ(fake.jobs_created(), 2);
  EXPECT_EQ(json_field(r.out, "resumed"), 1) << r.out;
}

TEST_F(FakeServiceRun, LostSubmitAnswerIsAdoptedNotPaidTwice) {
  job = write_job(dir.path(), small_job_text()).string();
  fake.inject(Route::generate, Fault::of(Fault::Kind::reset_after_create));
  auto r = run_job();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.jobs_created(), 2);
  EXPECT_EQ(fake.generate_calls(), 2);
}

TEST_F(FakeServiceRun, FailedPredictionExits3NamingTheShot) {
  job = write_job(dir.path(), small_job_text()).string();
  fake.set_final_state("failed", "content policy");
  auto r = run_job();
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("content policy"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("shot \""), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out" / "seq.mp4"));
}
