// The Atlas client against the in-process fake: envelopes, error bodies, retries, polling,
// the money rule, and every fault of the issue. Each test also checks that the API key never
// reaches a log line or an error message, and that each logical job was submitted at most once
// (or twice only after the history proved the first never existed).
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "common/error.h"
#include "remote/atlas.h"
#include "tests/remote/remote_test_util.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using namespace shotchain::remote;
using namespace shotchain::test;
using namespace std::chrono_literals;

namespace {

class AtlasClientTest : public ::testing::Test {
 protected:
  FakeAtlas fake;
  LogCapture log;
  std::string errors; // every error message seen

  AtlasClient client() { return AtlasClient(fast_config(fake, &log)); }

  GenerateRequest request(const std::string& prompt = "a slow dolly forward") {
    GenerateRequest r;
    r.prompt = prompt;
    r.image = fake.origin() + "/storage/uploads/ref.png";
    return r;
  }

  // Runs fn expecting shotchain::Error; returns it.
  template <class F>
  Error expect_error(F&& fn) {
    try {
      fn();
    } catch (const Error& e) {
      errors += std::string(e.what()) + "\n";
      return e;
    }
    ADD_FAILURE() << "no error thrown";
    return Error(Failure::runtime, "none");
  }

  void TearDown() override {
    EXPECT_EQ(log.all().find(fake.api_key()), std::string::npos) << "key leaked into the log";
    EXPECT_EQ(errors.find(fake.api_key()), std::string::npos) << "key leaked into an error";
    EXPECT_EQ(fake.storage_calls_with_authorization(), 0);
  }
};

} // namespace

TEST_F(AtlasClientTest, GenerateAwaitHappyPathWrappedEnvelope) {
  auto c = client();
  std::vector<Intent> intents;
  int generate_calls_at_intent = -1;
  auto sub = c.generate(request(), [&](const Intent& i) {
    intents.push_back(i);
    generate_calls_at_intent = fake.generate_calls();
  });
  ASSERT_EQ(intents.size(), 1u);
  EXPECT_EQ(generate_calls_at_intent, 0) << "the intent must come before the POST";
  EXPECT_EQ(intents[0].fingerprint, request().fingerprint());
  EXPECT_EQ(sub.outcome, SubmitOutcome::created);
  EXPECT_EQ(sub.posts, 1);
  EXPECT_FALSE(sub.prediction.id.empty());
  std::vector<std::string> states;
  auto done = c.await(sub.prediction.id, [&](const Prediction& p) { states.push_back(p.status); });
  EXPECT_EQ(done.state(), PredictionState::succeeded);
  ASSERT_EQ(done.outputs.size(), 1u);
  EXPECT_NE(done.outputs[0].find(sub.prediction.id), std::string::npos);
  EXPECT_DOUBLE_EQ(done.predict_time, 1.25);
  EXPECT_GE(states.size(), 2u) << "polled while it ran";
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_EQ(fake.jobs_created(), 1);
  // Flat body with the documented fields.
  auto body = fake.last_generate_body();
  EXPECT_NE(body.find("\"model\":\"minimax/hailuo-02/standard\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"duration\":6"), std::string::npos);
  EXPECT_NE(body.find("\"enable_prompt_expansion\":false"), std::string::npos);
  EXPECT_NE(log.all().find("Authorization: <redacted>"), std::string::npos) << log.all();
}

TEST_F(AtlasClientTest, FlatEnvelopesEverywhere) {
  fake.set_flat_envelope(true);
  TempDir dir;
  auto file = dir / "ref.png";
  std::ofstream(file) << "PNGDATA";
  auto c = client();
  auto up = c.upload(file, "ref.png", "image/png");
  EXPECT_NE(up.download_url.find("/storage/uploads/"), std::string::npos);
  auto sub = c.generate(request(), {});
  auto done = c.await(sub.prediction.id);
  EXPECT_EQ(done.status, "completed");
  auto hist = c.history();
  ASSERT_EQ(hist.size(), 1u);
  EXPECT_EQ(hist[0].id, sub.prediction.id);
  EXPECT_EQ(hist[0].prompt, request().prompt);
}

TEST_F(AtlasClientTest, UploadKeepsFilenameAndContentTypeAndRedactsSignedUrl) {
  TempDir dir;
  auto file = dir / "still.jpg";
  std::ofstream(file) << "JPEGDATA";
  auto c = client();
  auto up = c.upload(file, "still.jpg", "image/jpeg");
  EXPECT_EQ(up.file_name, "still.jpg");
  EXPECT_EQ(up.content_type, "image/jpeg");
  EXPECT_EQ(up.size, 8);
  ASSERT_EQ(fake.uploaded_names().size(), 1u);
  EXPECT_EQ(fake.uploaded_names()[0], "still.jpg");
  EXPECT_NE(up.download_url.find("sig=SECRETSIG"), std::string::npos);
  EXPECT_EQ(log.all().find("SECRETSIG"), std::string::npos) << "signed query logged";
}

TEST_F(AtlasClientTest, UnauthorizedIsRefusedWithoutRetry) {
  auto cfg = fast_config(fake, &log);
  cfg.api_key = "sk-wrong-key";
  AtlasClient c(cfg);
  auto e = expect_error([&] { c.generate(request(), {}); });
  EXPECT_EQ(e.failure(), Failure::refused);
  EXPECT_NE(std::string(e.what()).find("401"), std::string::npos) << e.what();
  EXPECT_EQ(std::string(e.what()).find("sk-wrong-key"), std::string::npos);
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_EQ(fake.jobs_created(), 0);
  auto e2 = expect_error([&] { c.history(); });
  EXPECT_EQ(e2.failure(), Failure::refused);
  EXPECT_EQ(fake.calls(Route::history), 1) << "401 is never retried";
}

TEST_F(AtlasClientTest, BadRequestCarriesServerMessage) {
  fake.inject(Route::generate, Fault::http(400, "image aspect ratio out of range"));
  auto c = client();
  auto e = expect_error([&] { c.generate(request(), {}); });
  EXPECT_EQ(e.failure(), Failure::refused);
  EXPECT_NE(std::string(e.what()).find("image aspect ratio out of range"), std::string::npos);
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_EQ(fake.calls(Route::history), 0) << "a clear refusal needs no history lookup";
}

TEST_F(AtlasClientTest, ErrorBodyVariantsMsgAndErrorObject) {
  fake.inject(Route::history,
              Fault::http(403).with_body(R"({"code":403,"msg":"quota exhausted"})"));
  fake.inject(Route::history,
              Fault::http(422).with_body(R"({"error":{"message":"bad field","type":"x"}})"));
  fake.inject(Route::history, Fault::http(409).with_body(R"({"error":"conflict text"})"));
  auto c = client();
  EXPECT_NE(std::string(expect_error([&] { c.history(); }).what()).find("quota exhausted"),
            std::string::npos);
  EXPECT_NE(std::string(expect_error([&] { c.history(); }).what()).find("bad field"),
            std::string::npos);
  EXPECT_NE(std::string(expect_error([&] { c.history(); }).what()).find("conflict text"),
            std::string::npos);
}

TEST_F(AtlasClientTest, RateLimitHonoursRetryAfterSecondsAndDate) {
  fake.inject(Route::history, Fault::http(429, "slow down").with_retry_after("1"));
  fake.inject(Route::history,
              Fault::http(429, "slow down").with_retry_after("Wed, 21 Oct 2099 07:28:00 GMT"));
  auto c = client();
  EXPECT_NO_THROW(c.history());
  EXPECT_EQ(fake.calls(Route::history), 3);
  // Both waits were the server's Retry-After, capped at 150 ms by the test config.
  auto text = log.all();
  size_t n = 0;
  for (auto pos = text.find("retrying in 150 ms"); pos != std::string::npos;
       pos = text.find("retrying in 150 ms", pos + 1))
    ++n;
  EXPECT_EQ(n, 2u) << text;
}

TEST_F(AtlasClientTest, TransientServerErrorsAreRetriedOnGet) {
  fake.inject(Route::prediction, Fault::http(500));
  fake.inject(Route::prediction, Fault::http(502));
  auto c = client();
  auto sub = c.generate(request(), {});
  EXPECT_EQ(c.prediction(sub.prediction.id).id, sub.prediction.id);
  EXPECT_EQ(fake.calls(Route::prediction), 3);
  fake.inject(Route::prediction, Fault::http(503, "down").repeat(-1));
  auto e = expect_error([&] { c.prediction(sub.prediction.id); });
  EXPECT_EQ(e.failure(), Failure::runtime);
  EXPECT_EQ(fake.calls(Route::prediction), 6) << "3 attempts, then give up";
}

TEST_F(AtlasClientTest, TerminalFiveHundredIsAnAnswerNotAnOutage) {
  fake.set_final_state("failed", "content moderation rejected the image");
  fake.set_terminal_5xx(true);
  fake.set_job_latency(0ms);
  auto c = client();
  auto sub = c.generate(request(), {});
  auto p = c.prediction(sub.prediction.id);
  EXPECT_EQ(p.state(), PredictionState::failed);
  EXPECT_EQ(fake.calls(Route::prediction), 1) << "not retried";
  auto e = expect_error([&] { c.await(sub.prediction.id); });
  EXPECT_EQ(e.failure(), Failure::refused);
  EXPECT_NE(std::string(e.what()).find("content moderation rejected the image"), std::string::npos);
  EXPECT_NE(std::string(e.what()).find(sub.prediction.id), std::string::npos);
}

TEST_F(AtlasClientTest, FailedCanceledTimeoutJobsSurfaceTheReason) {
  auto c = client();
  for (std::string state : {"failed", "canceled", "timeout"}) {
    fake.set_final_state(state, "reason for " + state);
    auto sub = c.generate(request("prompt " + state), {});
    auto e = expect_error([&] { c.await(sub.prediction.id); });
    EXPECT_EQ(e.failure(), Failure::refused) << state;
    EXPECT_NE(std::string(e.what()).find("reason for " + state), std::string::npos) << e.what();
    EXPECT_EQ(fake.generate_calls_for("prompt " + state), 1);
  }
}

TEST_F(AtlasClientTest, JobThatNeverFinishesStopsAtTheDeadline) {
  fake.set_final_state("never");
  auto cfg = fast_config(fake, &log);
  cfg.poll.deadline = 300ms;
  AtlasClient c(cfg);
  auto sub = c.generate(request(), {});
  auto e = expect_error([&] { c.await(sub.prediction.id); });
  EXPECT_EQ(e.failure(), Failure::runtime);
  EXPECT_NE(std::string(e.what()).find("deadline"), std::string::npos);
  EXPECT_NE(std::string(e.what()).find(sub.prediction.id), std::string::npos);
  EXPECT_GE(fake.calls(Route::prediction), 3) << "kept polling until the deadline";
}

TEST_F(AtlasClientTest, UnknownStateKeepsPollingAndIsLoggedOnce) {
  fake.set_running_state("warming_up");
  fake.set_job_latency(200ms);
  auto c = client();
  auto sub = c.generate(request(), {});
  auto done = c.await(sub.prediction.id);
  EXPECT_EQ(done.status, "completed");
  auto text = log.all();
  auto first = text.find("unknown state 'warming_up'");
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find("unknown state 'warming_up'", first + 1), std::string::npos);
}

TEST_F(AtlasClientTest, UnknownPredictionIs404Refused) {
  auto c = client();
  auto e = expect_error([&] { c.prediction("pred-does-not-exist"); });
  EXPECT_EQ(e.failure(), Failure::refused);
  EXPECT_NE(std::string(e.what()).find("unknown to this key"), std::string::npos);
  EXPECT_EQ(fake.calls(Route::prediction), 1);
}

TEST_F(AtlasClientTest, ResetAfterTheJobWasCreatedAdoptsItFromHistory) {
  fake.inject(Route::generate, Fault::of(Fault::Kind::reset_after_create));
  auto c = client();
  auto sub = c.generate(request(), {});
  EXPECT_EQ(sub.outcome, SubmitOutcome::adopted);
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_EQ(fake.jobs_created(), 1) << "exactly one paid job";
  EXPECT_EQ(sub.prediction.id, fake.job_ids().at(0));
  EXPECT_EQ(c.await(sub.prediction.id).status, "completed");
}

TEST_F(AtlasClientTest, ResetBeforeTheJobWasCreatedResendsOnce) {
  fake.inject(Route::generate, Fault::of(Fault::Kind::reset));
  auto c = client();
  auto sub = c.generate(request(), {});
  EXPECT_EQ(sub.outcome, SubmitOutcome::resent);
  EXPECT_EQ(sub.posts, 2);
  EXPECT_EQ(fake.generate_calls(), 2);
  EXPECT_EQ(fake.jobs_created(), 1) << "exactly one paid job";
  EXPECT_EQ(fake.calls(Route::history), 1);
}

TEST_F(AtlasClientTest, ResetTwiceGivesUpAfterOneResend) {
  fake.inject(Route::generate, Fault::of(Fault::Kind::reset).repeat(2));
  auto c = client();
  auto e = expect_error([&] { c.generate(request(), {}); });
  EXPECT_EQ(e.failure(), Failure::runtime);
  EXPECT_EQ(fake.generate_calls(), 2) << "never more than one resend";
  EXPECT_EQ(fake.jobs_created(), 0);
}

TEST_F(AtlasClientTest, HangAfterCreateTimesOutAndAdopts) {
  fake.set_hang_time(3000ms);
  fake.inject(Route::generate, Fault::of(Fault::Kind::hang).creating_job());
  auto c = client();
  auto sub = c.generate(request(), {});
  EXPECT_EQ(sub.outcome, SubmitOutcome::adopted);
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_EQ(fake.jobs_created(), 1);
}

TEST_F(AtlasClientTest, UnreadableHistoryMeansNoResend) {
  fake.inject(Route::generate, Fault::of(Fault::Kind::reset));
  fake.inject(Route::history, Fault::http(503, "down").repeat(-1));
  auto c = client();
  auto e = expect_error([&] { c.generate(request(), {}); });
  EXPECT_EQ(e.failure(), Failure::runtime);
  EXPECT_NE(std::string(e.what()).find("not resent"), std::string::npos) << e.what();
  EXPECT_EQ(fake.generate_calls(), 1);
}

TEST_F(AtlasClientTest, BadJsonAnswerToSubmitIsAmbiguousAndAdopted) {
  fake.inject(Route::generate, Fault::of(Fault::Kind::bad_json));
  auto c = client();
  auto sub = c.generate(request(), {});
  EXPECT_EQ(sub.outcome, SubmitOutcome::adopted);
  EXPECT_EQ(fake.jobs_created(), 1);
  EXPECT_EQ(fake.generate_calls(), 1);
}

TEST_F(AtlasClientTest, BadJsonOnGetIsARuntimeError) {
  auto c = client();
  auto sub = c.generate(request(), {});
  fake.inject(Route::prediction, Fault::of(Fault::Kind::bad_json));
  auto e = expect_error([&] { c.prediction(sub.prediction.id); });
  EXPECT_EQ(e.failure(), Failure::runtime);
  EXPECT_NE(std::string(e.what()).find("malformed"), std::string::npos) << e.what();
}

TEST_F(AtlasClientTest, HangAndSlowDripOnGetAreTimeoutsThenRetried) {
  fake.set_hang_time(3000ms);
  fake.set_drip_interval(100ms);
  auto c = client();
  auto sub = c.generate(request(), {});
  fake.inject(Route::prediction, Fault::of(Fault::Kind::hang));
  fake.inject(Route::prediction, Fault::of(Fault::Kind::slow_drip));
  auto p = c.prediction(sub.prediction.id);
  EXPECT_EQ(p.id, sub.prediction.id);
  EXPECT_EQ(fake.calls(Route::prediction), 3);
  EXPECT_NE(log.all().find("timed out"), std::string::npos) << log.all();
}

TEST_F(AtlasClientTest, HistoryWithoutEchoedInputsAdoptsTheSingleCandidate) {
  fake.set_history_echoes_inputs(false);
  fake.inject(Route::generate, Fault::of(Fault::Kind::reset_after_create));
  auto c = client();
  auto sub = c.generate(request(), {});
  EXPECT_EQ(sub.outcome, SubmitOutcome::adopted);
  EXPECT_EQ(fake.jobs_created(), 1);
}

TEST_F(AtlasClientTest, OldJobWithSamePromptIsNotAdopted) {
  auto cfg = fast_config(fake, &log);
  cfg.history_skew = 0ms;
  AtlasClient c(cfg);
  c.generate(request(), {}); // an earlier, deliberate job
  std::this_thread::sleep_for(20ms);
  fake.inject(Route::generate, Fault::of(Fault::Kind::reset));
  auto sub = c.generate(request(), {});
  EXPECT_EQ(sub.outcome, SubmitOutcome::resent);
  EXPECT_EQ(fake.jobs_created(), 2);
  EXPECT_NE(sub.prediction.id, fake.job_ids().at(0));
}

TEST_F(AtlasClientTest, ManyJobsInFlightFromThreads) {
  auto c = client();
  std::vector<std::thread> threads;
  std::vector<std::string> ids(4);
  std::vector<std::string> failures(4);
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      try {
        auto sub = c.generate(request("shot " + std::to_string(i)), {});
        ids[static_cast<size_t>(i)] = c.await(sub.prediction.id).id;
      } catch (const std::exception& e) {
        failures[static_cast<size_t>(i)] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(failures[static_cast<size_t>(i)], "");
    EXPECT_FALSE(ids[static_cast<size_t>(i)].empty());
    EXPECT_EQ(fake.generate_calls_for("shot " + std::to_string(i)), 1);
  }
  EXPECT_EQ(fake.jobs_created(), 4);
}

TEST_F(AtlasClientTest, LocalChecksBeforeAnyCall) {
  auto e = expect_error([&] {
    auto cfg = fast_config(fake, &log);
    cfg.api_key = "abc\r\nX-Evil: 1";
    AtlasClient c(cfg);
  });
  EXPECT_EQ(e.failure(), Failure::bad_input);
  auto e2 = expect_error([&] {
    auto cfg = fast_config(fake, &log);
    cfg.api_base = "http://api.example/api/v1";
    AtlasClient c(cfg);
  });
  EXPECT_EQ(e2.failure(), Failure::bad_input);
  auto c = client();
  auto bad = request();
  bad.model = "has space";
  EXPECT_EQ(expect_error([&] { c.generate(bad, {}); }).failure(), Failure::bad_input);
  EXPECT_EQ(expect_error([&] { c.prediction("../etc"); }).failure(), Failure::bad_input);
  EXPECT_EQ(fake.generate_calls() + fake.calls(Route::prediction), 0);
}

TEST_F(AtlasClientTest, ApiRedirectIsNotFollowed) {
  fake.inject(Route::history, Fault::http(302).with_location(fake.storage_origin() + "/x"));
  auto c = client();
  auto e = expect_error([&] { c.history(); });
  EXPECT_NE(std::string(e.what()).find("redirect"), std::string::npos);
  EXPECT_EQ(fake.other_port_calls(), 0) << "the key never travels to another origin";
}

TEST(RemoteTimestamps, ParsesIsoAndEpoch) {
  EXPECT_EQ(parse_timestamp_ms("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(parse_timestamp_ms("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(parse_timestamp_ms("1700000000"), 1700000000000);
  EXPECT_EQ(parse_timestamp_ms("1700000000123"), 1700000000123);
  EXPECT_FALSE(parse_timestamp_ms("yesterday").has_value());
}

TEST(RemoteStatus, Classification) {
  for (auto s : {"completed", "succeeded", "success"})
    EXPECT_EQ(classify_status(s), PredictionState::succeeded);
  for (auto s : {"failed", "error", "canceled", "cancelled", "timeout"})
    EXPECT_EQ(classify_status(s), PredictionState::failed);
  bool known = true;
  EXPECT_EQ(classify_status("queued", &known), PredictionState::running);
  EXPECT_TRUE(known);
  EXPECT_EQ(classify_status("mystery", &known), PredictionState::running);
  EXPECT_FALSE(known);
}

TEST_F(AtlasClientTest, RateLimitedSubmitWaitsAndSendsAgainBounded) {
  // 429 proves nothing was created: wait and send again, a bounded number of times.
  fake.inject(Route::generate, Fault::http(429, "slow down").with_retry_after("0").repeat(2));
  auto c = client();
  auto sub = c.generate(request("limited"), {});
  EXPECT_EQ(sub.outcome, SubmitOutcome::created);
  EXPECT_EQ(fake.generate_calls(), 3);
  EXPECT_EQ(fake.jobs_created(), 1);
  EXPECT_EQ(fake.calls(Route::history), 0) << "a 429 is not ambiguous";
  fake.reset();
  fake.inject(Route::generate, Fault::http(429, "slow down").repeat(-1));
  auto e = expect_error([&] { c.generate(request("always"), {}); });
  EXPECT_EQ(e.failure(), Failure::runtime);
  EXPECT_NE(std::string(e.what()).find("rate limited"), std::string::npos) << e.what();
  EXPECT_EQ(fake.generate_calls(), AtlasConfig{}.rate_limit_attempts);
  EXPECT_EQ(fake.jobs_created(), 0);
}

TEST_F(AtlasClientTest, A2xxWithoutIdIsAdoptedFromTheHistoryNeverResent) {
  fake.set_id_key("");
  auto c = client();
  auto sub = c.generate(request("no id"), {});
  EXPECT_EQ(sub.outcome, SubmitOutcome::adopted);
  EXPECT_EQ(sub.prediction.id, fake.job_ids().at(0));
  EXPECT_EQ(fake.generate_calls(), 1);
  fake.reset();
  fake.set_id_key("");
  fake.set_history_mode("absent");
  try {
    c.generate(request("no id, no history"), {});
    FAIL() << "an unconfirmed submit must stop";
  } catch (const UnconfirmedSubmit& u) {
    errors += u.what();
    EXPECT_EQ(u.failure(), Failure::runtime);
    EXPECT_TRUE(u.candidates().empty());
  }
  EXPECT_EQ(fake.generate_calls(), 1);
}

TEST_F(AtlasClientTest, A2xxWithAnErrorInItsBodyIsNeverResent) {
  // HTTP 200 whose envelope says 500 or 429: the job may exist; never a second POST.
  for (const char* body :
       {"{\"code\":500,\"msg\":\"internal\"}", "{\"code\":429,\"msg\":\"slow down\"}"}) {
    fake.reset();
    fake.inject(Route::generate, Fault::http(200).with_body(body).creating_job());
    // A readable history that shows nothing: the old rule would have sent again.
    fake.inject(Route::history, Fault::http(200).with_body("{\"code\":200,\"data\":[]}"));
    auto c = client();
    auto e = expect_error([&] { c.generate(request(body), {}); });
    EXPECT_EQ(e.failure(), Failure::runtime) << e.what();
    EXPECT_EQ(fake.generate_calls(), 1) << body;
  }
  // HTTP 200 whose envelope says 402 without a job: a refusal; nothing created, not resent.
  fake.reset();
  fake.inject(Route::generate, Fault::http(200).with_body("{\"code\":402,\"msg\":\"no funds\"}"));
  auto c = client();
  auto e = expect_error([&] { c.generate(request("funds"), {}); });
  EXPECT_EQ(e.failure(), Failure::refused) << e.what();
  EXPECT_NE(std::string(e.what()).find("balance"), std::string::npos) << e.what();
  EXPECT_EQ(fake.generate_calls(), 1);
}
