// The poll schedule learns the job duration from jobs already seen to finish (issue 5's
// benchmark: a 2 s job was noticed at 2.5 s every round). Asserts on poll counts and on the
// states the fake answered, never on wall time.
#include <gtest/gtest.h>

#include <algorithm>

#include <string>
#include <vector>

#include "remote/atlas.h"
#include "tests/remote/remote_test_util.h"

using namespace shotchain;
using namespace shotchain::remote;
using namespace shotchain::test;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

std::vector<long> counts(const std::vector<milliseconds>& v) {
  std::vector<long> out;
  for (auto d : v) out.push_back(static_cast<long>(d.count()));
  return out;
}

PollPolicy policy(milliseconds initial) {
  PollPolicy p;
  p.initial = initial;
  return p;
}

} // namespace

TEST(AtlasClientPollLearner, NothingLearnedMeansTheNormalSchedule) {
  PollLearner l;
  EXPECT_FALSE(l.bracket());
  EXPECT_TRUE(l.early_polls(policy(1000ms)).empty());
  l.record(900ms, 800ms); // not a bracket: ignored
  l.record(-1ms, 800ms);
  EXPECT_FALSE(l.bracket());
}

TEST(AtlasClientPollLearner, BracketNarrowsToTheShortestJob) {
  PollLearner l;
  l.record(1000ms, 2500ms); // running at 1 s, done at 2.5 s
  ASSERT_TRUE(l.bracket());
  EXPECT_EQ(l.bracket()->lo, 1000ms);
  EXPECT_EQ(l.bracket()->hi, 2500ms);
  // The bracket is narrower than the 2 s probe step: its end, then two steps past it.
  EXPECT_EQ(counts(l.early_polls(policy(1000ms))), (std::vector<long>{2500, 4500, 6500}));
  l.record(1750ms, 2500ms); // a probe found it running later
  EXPECT_EQ(l.bracket()->lo, 1750ms);
  l.record(1750ms, 2125ms); // and one found it done earlier
  EXPECT_EQ(l.bracket()->hi, 2125ms);
  l.record(3000ms, 4750ms); // a slower job says nothing about the shortest
  EXPECT_EQ(l.bracket()->lo, 1750ms);
  EXPECT_EQ(l.bracket()->hi, 2125ms);
  l.record(400ms, 1200ms); // faster than any before: start over from it
  EXPECT_EQ(l.bracket()->lo, 400ms);
  EXPECT_EQ(l.bracket()->hi, 1200ms);
}

TEST(AtlasClientPollLearner, NeverEarlierThanTheFirstNormalPoll) {
  PollLearner l;
  l.record(200ms, 700ms);
  EXPECT_TRUE(l.early_polls(policy(1000ms)).empty()) << "the normal 1 s poll comes first";
  l.record(100ms, 1600ms); // slower, and its "running" is below the bracket: no change
  l.record(100ms, 600ms);  // done earlier: the bracket ends there
  EXPECT_EQ(l.bracket()->lo, 200ms);
  EXPECT_EQ(l.bracket()->hi, 600ms);
  EXPECT_TRUE(l.early_polls(policy(1000ms)).empty());
  PollLearner m;
  m.record(400ms, 1600ms);
  // The bracket (400, 1600] starts before the 1 s minimum: probes from 1 s on.
  EXPECT_EQ(counts(m.early_polls(policy(1000ms))), (std::vector<long>{1600, 3600, 5600}));
}

// Issue 10: once a job of the model was seen, a job ending anywhere from the bracket's start
// to two steps past its end is seen within max(2 s, 10% of the learned duration), and with no
// more polls than the normal schedule makes for it.
TEST(AtlasClientPollLearner, ProbesBoundTheOvershoot) {
  PollLearner l;
  l.record(13200ms, 20800ms); // a 15 s job on the normal schedule: running at 13.2, done at 20.8
  auto polls = counts(l.early_polls(policy(1000ms)));
  EXPECT_EQ(polls, (std::vector<long>{15280, 17360, 19440, 20800, 22880, 24960}));
  for (std::size_t i = 1; i < polls.size(); ++i) EXPECT_LE(polls[i] - polls[i - 1], 2080);
  // The normal schedule (1 s x1.5 to 10 s) polls 7 times by 20.8 s (at once included); the
  // learned one at most 5 for a job done by then.
  EXPECT_EQ(1 + std::count_if(polls.begin(), polls.end(), [](long t) { return t <= 20800; }), 5);
  PollLearner slow;
  slow.record(50000ms, 60000ms); // a minute-long model: 6 s steps (10%)
  auto p2 = counts(slow.early_polls(policy(1000ms)));
  EXPECT_EQ(p2, (std::vector<long>{56000, 60000, 66000, 72000}));
}

// After one job of latency L finished, the next job sharing the configuration (as the
// pipeline's concurrent shots do) is seen done in fewer polls, none while it was still queued
// (the fake answers "queued" for the first L/2) apart from the immediate one.
TEST(AtlasClientPollLearner, SecondJobIsObservedCompleteInFewerPolls) {
  FakeAtlas fake;
  fake.set_job_latency(1000ms);
  AtlasConfig config = fast_config(fake);
  config.poll.initial = 100ms; // normal polls at 0, 0.1, 0.25, 0.475, 0.81, 1.32 s ...
  config.poll.growth = 1.5;
  config.poll.max = 1000ms;
  config.poll.deadline = 10000ms;
  ASSERT_TRUE(config.poll_learner);

  struct Seen {
    int polls = 0;
    int queued = 0;
  };
  auto run_job = [&](const std::string& prompt) {
    AtlasClient c(config); // a copy per job, sharing the learner, like AtlasBackend::client
    GenerateRequest r;
    r.prompt = prompt;
    r.image = fake.origin() + "/storage/uploads/ref.png";
    auto sub = c.generate(r, {});
    Seen s;
    int before = fake.calls(Route::prediction);
    auto done = c.await(sub.prediction.id, [&](const Prediction& p) {
      ++s.polls;
      if (p.status == "queued") ++s.queued;
    });
    EXPECT_EQ(done.state(), PredictionState::succeeded);
    EXPECT_EQ(fake.calls(Route::prediction) - before, s.polls) << "every poll reached the fake";
    return s;
  };

  Seen first = run_job("first shot");
  EXPECT_GE(first.polls, 5) << "normal schedule: 0.1 s steps x1.5 until 1 s";
  EXPECT_GE(first.queued, 3);
  ASSERT_TRUE(config.poll_learner->bracket());
  EXPECT_GE(config.poll_learner->bracket()->hi, 1000ms) << "done no earlier than its latency";
  EXPECT_LT(config.poll_learner->bracket()->lo, 1000ms) << "running until its latency";

  Seen second = run_job("second shot");
  EXPECT_LT(second.polls, first.polls);
  EXPECT_LE(second.polls, 5) << "at once + at most four learned polls";
  EXPECT_EQ(second.queued, 1) << "only the immediate poll may find it queued";

  // Without a learner the schedule is the normal one again.
  config.poll_learner = nullptr;
  Seen third = run_job("third shot");
  EXPECT_GE(third.polls, 5);
  EXPECT_GE(third.queued, 3);
}
