// The poll memory (issue 10): job durations learned per model survive the process in the
// cache folder, so the first job of a new run is polled near its expected end; a damaged file
// is a cold memory; models do not share what they learned.
#include <gtest/gtest.h>

#include <fstream>

#include "remote/atlas.h"
#include "stages/poll_memory.h"
#include "tests/remote/remote_test_util.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using namespace shotchain::test;
using namespace std::chrono_literals;

TEST(PollMemory, BracketsSurviveTheProcessPerModel) {
  TempDir dir;
  const auto file = dir / "cache" / "poll.json";
  {
    stages::PollMemory m(file);
    m.learner_for("vendor/a")->record(13200ms, 20800ms);
    m.remember("vendor/a");
    m.remember("vendor/b"); // nothing learned: nothing written for it
  }
  stages::PollMemory again(file);
  auto a = again.learner_for("vendor/a")->bracket();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->lo, 13200ms);
  EXPECT_EQ(a->hi, 20800ms);
  EXPECT_FALSE(again.learner_for("vendor/b")->bracket());
  // The same learner for every job of a model in one process.
  EXPECT_EQ(again.learner_for("vendor/a"), again.learner_for("vendor/a"));

  std::ofstream(file) << R"({"models": [{"model": "vendor/a", "running_ms": 9, "done_ms": 3}]})";
  EXPECT_FALSE(stages::PollMemory(file).learner_for("vendor/a")->bracket()); // damaged: cold
}

// Two "runs" against the fake service (1 s jobs): the second run's first job is seen done at
// its first learned poll, in fewer polls than the first run's.
TEST(PollMemory, NextRunsFirstJobPollsNearItsExpectedEnd) {
  TempDir dir;
  const auto file = dir / "poll.json";
  FakeAtlas fake;
  fake.set_job_latency(1000ms);
  auto one_run = [&]() {
    stages::PollMemory memory(file);
    remote::AtlasConfig config = fast_config(fake);
    config.poll.initial = 100ms;
    config.poll.growth = 1.5;
    config.poll.max = 1000ms;
    config.poll_learner = memory.learner_for(remote::kDefaultModel);
    remote::AtlasClient c(config);
    remote::GenerateRequest r;
    r.prompt = "a shot";
    r.image = fake.origin() + "/storage/uploads/ref.png";
    auto sub = c.generate(r, {});
    int polls = 0;
    c.await(sub.prediction.id, [&](const remote::Prediction&) { ++polls; });
    memory.remember(remote::kDefaultModel);
    return polls;
  };
  const int first_polls = one_run();
  const int second_polls = one_run();
  EXPECT_GE(first_polls, 5) << "nothing learned: the normal schedule";
  EXPECT_LT(second_polls, first_polls);
  EXPECT_LE(second_polls, 3) << "at once, then near the learned end";
}
