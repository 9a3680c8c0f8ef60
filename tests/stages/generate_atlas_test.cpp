// The Atlas generation stage end to end against the fake service: journal hooks in order,
// upload cache, resume from a prediction id / an intent / an output URL without submitting
// again, verification of the downloaded clip, and the key absent from everything written.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/error.h"
#include "stages/generate_atlas.h"
#include "tests/fake_atlas/fake_atlas.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using namespace shotchain::stages;
using namespace shotchain::test;
using namespace std::chrono_literals;

namespace {

struct CollectingSink : ProgressSink {
  std::mutex mu;
  std::vector<ProgressEvent> events;
  void on_event(const ProgressEvent& e) override {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(e);
  }
};

class GenerateAtlasTest : public ::testing::Test {
 protected:
  FakeAtlas fake;
  TempDir dir;
  CancelToken cancel;
  CollectingSink sink;
  StageContext context;
  std::vector<std::string> journal;
  std::string log_text;

  void SetUp() override {
    context.sink = &sink;
    context.cancel = &cancel;
    context.shot_id = "harbor";
    context.work_dir = dir.path();
    ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=640x360", "-frames:v", "1",
            (dir / "ref.png").string()});
  }

  AtlasBackendOptions options() {
    AtlasBackendOptions o;
    o.client.api_base = fake.base_url();
    o.client.api_key = fake.api_key();
    o.client.api_timeouts.total = 2000ms;
    o.client.retry.base = 5ms;
    o.client.retry.seed = 3;
    o.client.poll.initial = 10ms;
    o.client.poll.max = 30ms;
    o.client.poll.deadline = 5000ms;
    o.client.log = [this](const std::string& line) { log_text += line + "\n"; };
    o.download.retry.base = 5ms;
    o.upload_cache = dir / "state" / "uploads.json";
    return o;
  }

  GenerationRequest request(const std::string& out = "clip.mp4") {
    GenerationRequest r;
    r.shot_id = "harbor";
    r.model = "minimax/hailuo-02/standard";
    r.prompt = "slow dolly forward as gulls lift off";
    r.duration = 6;
    r.reference_image = dir / "ref.png";
    r.output = dir / out;
    return r;
  }

  GenerationHooks hooks() {
    GenerationHooks h;
    h.on_upload = [this](const std::string& u) { journal.push_back("upload " + u); };
    h.on_intent = [this](const std::string& t) {
      journal.push_back("intent " + t + " posts=" + std::to_string(fake.generate_calls()));
    };
    h.on_prediction_id = [this](const std::string& id) { journal.push_back("id " + id); };
    h.on_status = [this](const std::string& s) { journal.push_back("status " + s); };
    h.on_output_url = [this](const std::string& u) { journal.push_back("output " + u); };
    return h;
  }

  void TearDown() override {
    const auto& key = fake.api_key();
    EXPECT_EQ(log_text.find(key), std::string::npos);
    for (const auto& j : journal) EXPECT_EQ(j.find(key), std::string::npos);
    for (auto& e : std::filesystem::recursive_directory_iterator(dir.path())) {
      if (e.is_regular_file()) {
        EXPECT_EQ(read_file(e.path()).find(key), std::string::npos) << e.path();
      }
    }
    for (const auto& e : sink.events) EXPECT_EQ(e.message.find(key), std::string::npos);
  }
};

} // namespace

TEST_F(GenerateAtlasTest, OneSegmentWithJournalHooksInOrder) {
  AtlasBackend backend(options());
  auto result = backend.generate(request(), {}, hooks(), context);
  ASSERT_GE(journal.size(), 4u);
  EXPECT_EQ(journal[0].rfind("upload http://127.0.0.1:", 0), 0u) << journal[0];
  EXPECT_EQ(journal[1].rfind("intent ", 0), 0u);
  EXPECT_NE(journal[1].find("posts=0"), std::string::npos) << "intent before the POST";
  EXPECT_EQ(journal[2], "id " + result.prediction_id);
  EXPECT_EQ(journal.back(), "output " + result.output_url);
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_EQ(result.frames, 150);
  EXPECT_TRUE(std::filesystem::exists(dir / "clip.mp4"));
  EXPECT_FALSE(std::filesystem::exists(dir / "clip.mp4.part"));
  // Independent oracle.
  EXPECT_EQ(ffprobe_value((dir / "clip.mp4").string(), "v:0", "stream=r_frame_rate"), "25/1");
  auto json = ffprobe_json(
      {"-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames"},
      (dir / "clip.mp4").string());
  EXPECT_NE(json.find("\"nb_read_frames\": \"150\""), std::string::npos) << json;
  bool saw_state = false;
  for (const auto& e : sink.events) saw_state |= e.service_state == "completed";
  EXPECT_TRUE(saw_state);
}

TEST_F(GenerateAtlasTest, SameImageIsUploadedOnceEvenAcrossRuns) {
  {
    AtlasBackend backend(options());
    backend.generate(request("a.mp4"), {}, hooks(), context);
    backend.generate(request("b.mp4"), {}, hooks(), context);
  }
  AtlasBackend again(options()); // reads the persisted cache
  again.generate(request("c.mp4"), {}, hooks(), context);
  EXPECT_EQ(fake.calls(Route::upload), 1) << log_text;
  EXPECT_EQ(fake.generate_calls(), 3);
  EXPECT_TRUE(std::filesystem::exists(dir / "state" / "uploads.json"));
}

TEST_F(GenerateAtlasTest, ResumeFromPredictionIdDoesNotSubmitAgain) {
  AtlasBackend backend(options());
  auto first = backend.generate(request("a.mp4"), {}, hooks(), context);
  GenerationResume resume;
  resume.prediction_id = first.prediction_id;
  auto second = backend.generate(request("b.mp4"), resume, hooks(), context);
  EXPECT_EQ(second.prediction_id, first.prediction_id);
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_EQ(fake.calls(Route::upload), 1);
  EXPECT_TRUE(std::filesystem::exists(dir / "b.mp4"));
}

TEST_F(GenerateAtlasTest, ResumeFromOutputUrlOnlyDownloads) {
  AtlasBackend backend(options());
  auto first = backend.generate(request("a.mp4"), {}, hooks(), context);
  auto polls = fake.calls(Route::prediction);
  GenerationResume resume;
  resume.prediction_id = first.prediction_id;
  resume.output_url = first.output_url;
  backend.generate(request("b.mp4"), resume, hooks(), context);
  EXPECT_EQ(fake.calls(Route::prediction), polls);
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_EQ(read_file(dir / "a.mp4"), read_file(dir / "b.mp4"));
}

TEST_F(GenerateAtlasTest, ResumeFromAnExpiredOutputUrlAsksTheJobAgain) {
  AtlasBackend backend(options());
  auto first = backend.generate(request("a.mp4"), {}, hooks(), context);
  fake.expire_outputs(); // days later: the signed output URL answers 403
  journal.clear();
  GenerationResume resume;
  resume.prediction_id = first.prediction_id;
  resume.output_url = first.output_url;
  auto again = backend.generate(request("b.mp4"), resume, hooks(), context);
  EXPECT_EQ(fake.generate_calls(), 1) << "never submitted again";
  EXPECT_NE(again.output_url, first.output_url);
  EXPECT_EQ(read_file(dir / "a.mp4"), read_file(dir / "b.mp4"));
  bool journalled = false;
  for (const auto& j : journal) journalled |= j.rfind("output ", 0) == 0;
  EXPECT_TRUE(journalled) << "the fresh URL is journalled";
}

TEST_F(GenerateAtlasTest, ResumeFromIntentAdoptsTheJobFromHistory) {
  // A crash after the POST left, before its answer was journalled.
  AtlasBackend backend(options());
  std::string intent, upload;
  GenerationHooks h = hooks();
  h.on_upload = [&](const std::string& u) { upload = u; };
  h.on_intent = [&](const std::string& t) { intent = t; };
  h.on_prediction_id = [&](const std::string&) { throw Error(Failure::interrupted, "crash"); };
  EXPECT_THROW(backend.generate(request("a.mp4"), {}, h, context), Error);
  ASSERT_FALSE(intent.empty());
  ASSERT_EQ(fake.jobs_created(), 1);
  GenerationResume resume;
  resume.intent_time = intent;
  resume.upload_url = upload;
  auto r = backend.generate(request("a.mp4"), resume, hooks(), context);
  EXPECT_EQ(r.prediction_id, fake.job_ids().at(0));
  EXPECT_EQ(fake.generate_calls(), 1) << "adopted, not resubmitted";
}

TEST_F(GenerateAtlasTest, ClipOfAnotherLengthIsKeptAndTheDifferenceRecorded) {
  // A paid clip that decodes is never thrown away for its frame count (issue 9).
  fake.set_output_bytes(fake_mp4(10)); // 250 frames for a 6 s request
  AtlasBackend backend(options());
  auto r = backend.generate(request(), {}, hooks(), context);
  EXPECT_EQ(r.frames, 250);
  EXPECT_TRUE(std::filesystem::exists(dir / "clip.mp4"));
  EXPECT_FALSE(std::filesystem::exists(dir / "clip.mp4.part"));
  bool recorded = false;
  for (const auto& e : sink.events)
    recorded |= e.stage == "verify" &&
                e.message.find("250 frames (expected 25 fps, 150 frames)") != std::string::npos;
  EXPECT_TRUE(recorded) << "the difference is reported";
  EXPECT_EQ(fake.generate_calls(), 1);
}

TEST_F(GenerateAtlasTest, NotAVideoFailsVerification) {
  fake.set_output_bytes("this is not an mp4 file at all");
  AtlasBackend backend(options());
  EXPECT_THROW(backend.generate(request(), {}, hooks(), context), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "clip.mp4"));
}

TEST_F(GenerateAtlasTest, FailedJobIsRefusedWithReason) {
  fake.set_final_state("failed", "nsfw content detected");
  AtlasBackend backend(options());
  try {
    backend.generate(request(), {}, hooks(), context);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::refused);
    EXPECT_NE(std::string(e.what()).find("nsfw content detected"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "clip.mp4"));
}

TEST_F(GenerateAtlasTest, PreflightSpendsNothing) {
  AtlasBackend backend(options());
  auto r = request();
  r.prompt = std::string(2001, 'x');
  EXPECT_THROW(backend.generate(r, {}, hooks(), context), Error);
  r = request();
  r.duration = 7;
  EXPECT_THROW(backend.generate(r, {}, hooks(), context), Error);
  r = request();
  r.output = dir / "missing-folder" / "x.mp4";
  EXPECT_THROW(backend.generate(r, {}, hooks(), context), Error);
  EXPECT_EQ(fake.calls(Route::upload) + fake.generate_calls(), 0);
  EXPECT_TRUE(journal.empty());
}

TEST_F(GenerateAtlasTest, CancelStopsTheWait) {
  fake.set_final_state("never");
  AtlasBackend backend(options());
  auto h = hooks();
  h.on_prediction_id = [&](const std::string&) { cancel.request(); };
  try {
    backend.generate(request(), {}, h, context);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::interrupted);
  }
  EXPECT_EQ(fake.generate_calls(), 1);
}

// Asked for the last frame, the backend saves the verified clip's last decoded picture (the
// next chained segment's reference) without anyone decoding the clip again: it must be the
// very frame ffmpeg decodes last.
TEST_F(GenerateAtlasTest, SavesTheVerifiedClipsLastFrame) {
  AtlasBackend backend(options());
  auto req = request();
  req.last_frame = dir / "clip-last.png";
  auto result = backend.generate(req, {}, hooks(), context);
  EXPECT_EQ(result.last_frame, req.last_frame);
  EXPECT_DOUBLE_EQ(result.fps, 25.0);
  ASSERT_TRUE(std::filesystem::exists(req.last_frame));
  ffmpeg({"-sseof", "-0.5", "-i", (dir / "clip.mp4").string(), "-update", "1", "-pix_fmt", "rgb24",
          (dir / "oracle.png").string()});
  auto cmp = run({"ffmpeg", "-nostdin", "-hide_banner", "-i", req.last_frame.string(), "-i",
                  (dir / "oracle.png").string(), "-lavfi", "psnr", "-f", "null", "-"});
  ASSERT_EQ(cmp.exit_code, 0) << cmp.err;
  auto at = cmp.err.find("average:");
  ASSERT_NE(at, std::string::npos) << cmp.err;
  const std::string avg = cmp.err.substr(at + 8, cmp.err.find(' ', at + 8) - at - 8);
  EXPECT_TRUE(avg == "inf" || std::stod(avg) >= 45.0) << cmp.err;
}

TEST_F(GenerateAtlasTest, ModelFactsFromTheCatalogueElseTheBuiltInTable) {
  {
    AtlasBackend offline(options()); // the fake publishes no catalogue: the built-in table
    auto known = offline.model_facts("minimax/hailuo-02/standard");
    EXPECT_FALSE(known.from_service);
    ASSERT_TRUE(known.info.price.has_value());
    EXPECT_DOUBLE_EQ(*known.info.price, 0.23);
    EXPECT_EQ(known.schema.end_frame_field(), "end_image");
    auto other = offline.model_facts("minimax/video-02"); // not refused offline, not priced
    EXPECT_FALSE(other.from_service);
    EXPECT_FALSE(other.info.price.has_value());
    EXPECT_NE(other.note.find("not in the table"), std::string::npos) << other.note;
  }
  fake.set_catalogue(true, "last_image", false, "0.31");
  AtlasBackend online(options());
  auto f = online.model_facts("minimax/hailuo-02/standard");
  EXPECT_TRUE(f.from_service);
  EXPECT_DOUBLE_EQ(*f.info.price, 0.31);
  EXPECT_EQ(f.schema.end_frame_field(), "last_image");
  try {
    online.model_facts("minimax/video-02");
    FAIL() << "a model the catalogue does not list";
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::bad_input);
  }
}
