// The runner end to end on the preview backend (small test-only frame size): exact frame
// counts, generate calls == planned segments, resume rules, cancellation, inserted stages.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>

#include "common/error.h"
#include "pipeline/job_spec.h"
#include "pipeline/journal.h"
#include "pipeline/runner.h"
#include "stages/preview_generator.h"
#include "tests/pipeline/test_job.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using namespace shotchain::pipeline;
using namespace shotchain::test;

namespace {

// The preview backend, counting what it is asked to do. It also plays the remote steps that
// the journal records (intent, then a prediction id) so the resume rules can be checked; with
// `crash_after_id_for` it stops right after the id is journalled, as a killed process would.
class CountingBackend final : public GenerationBackend {
 public:
  CountingBackend() {
    preview::PreviewOptions o;
    o.height = 144;
    inner_ = std::make_unique<preview::PreviewBackend>(o);
  }
  std::string name() const override { return "preview"; }
  bool paid() const override { return false; }
  void preflight(const GenerationRequest& r) override { inner_->preflight(r); }
  GenerationResult generate(const GenerationRequest& r, const GenerationResume& resume,
                            const GenerationHooks& hooks, StageContext& ctx) override {
    std::string key = r.shot_id + "/" + std::to_string(r.segment);
    std::string id = resume.prediction_id;
    {
      std::lock_guard l(m_);
      if (id.empty()) {
        ++submits;
        submitted.insert(key);
        id = "pred-" + key + "-" + std::to_string(submits);
      } else {
        resumed_ids.insert(id);
      }
    }
    if (resume.prediction_id.empty()) {
      hooks.on_intent(iso_time_now());
      hooks.on_prediction_id(id);
    }
    if (key == crash_after_id_for) throw Error(Failure::runtime, "simulated crash after submit");
    GenerationResult g = inner_->generate(r, resume, hooks, ctx);
    g.prediction_id = id;
    return g;
  }
  int submits = 0;
  std::set<std::string> submitted;   // shot/segment keys submitted
  std::set<std::string> resumed_ids; // prediction ids handed back by the journal
  std::string crash_after_id_for;

 private:
  std::mutex m_;
  std::unique_ptr<preview::PreviewBackend> inner_;
};

class RunJobTest : public ::testing::Test {
 protected:
  void SetUp() override { make_job_inputs(dir.path()); }
  RunReport run(const std::string& text, std::shared_ptr<CountingBackend> backend,
                const CancelToken* cancel = nullptr, ProgressSink* sink = nullptr,
                std::vector<std::shared_ptr<ClipStage>> stages = {}) {
    JobSpec job = load_job_spec(write_job(dir.path(), text));
    RunOptions o;
    o.backend = backend;
    o.concurrency = 2;
    o.cancel = cancel;
    o.sink = sink;
    o.before_assembly = std::move(stages);
    return run_job(job, o);
  }
  TempDir dir;
};

int count_frames(const std::string& file) {
  auto r = run({"ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0",
                "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", file});
  return std::atoi(r.out.c_str());
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

} // namespace

TEST_F(RunJobTest, GeneratesPlannedSegmentsWithExactFramesAndOutputs) {
  auto backend = std::make_shared<CountingBackend>();
  RunReport r = run(job_text(), backend);
  EXPECT_EQ(r.plan.generations, 4);
  EXPECT_EQ(backend->submits, r.plan.generations); // generate calls == planned segments
  EXPECT_EQ(r.generated, 4);
  EXPECT_EQ(r.plan.frames, 598);
  EXPECT_EQ(r.frames, 598);
  auto out = dir / "out";
  EXPECT_EQ(count_frames((out / "seq.mp4").string()), 598);
  EXPECT_EQ(count_frames((out / "shots" / "a.mp4").string()), 299); // chained join deduped
  // b starts on a's last frame: the duplicate is dropped in b's own clip (its single encode),
  // so the sequence is a stream copy of the shot clips.
  EXPECT_EQ(count_frames((out / "shots" / "b.mp4").string()), 149);
  EXPECT_EQ(count_frames((out / "shots" / "c.mp4").string()), 150);
  EXPECT_EQ(ffprobe_value((out / "seq.mp4").string(), "v:0", "stream=codec_name"), "h264");
  EXPECT_EQ(list_dir(out), "provenance seq.edl seq.mp4 seq.otio seq.qc.json shots");
  EXPECT_EQ(list_dir(out / "provenance"), "a.json b.json c.json");
  EXPECT_EQ(r.written.size(), 4u + 3u + 3u);
  std::string prov = read(out / "provenance" / "a.json");
  EXPECT_NE(prov.find("\"prompt\": \"pan over the test card\""), std::string::npos) << prov;
  EXPECT_NE(prov.find("\"prediction_id\": \"pred-a/1-"), std::string::npos) << prov;
  std::string provc = read(out / "provenance" / "c.json");
  EXPECT_NE(provc.find("\"time\": \"1.000\""), std::string::npos) << provc;
  EXPECT_NE(read(out / "seq.otio").find("pan over the test card"), std::string::npos);
  auto comment = ffprobe_value((out / "seq.mp4").string(), "", "format_tags=comment");
  EXPECT_NE(comment.find("shotchain provenance"), std::string::npos) << comment;
}

TEST_F(RunJobTest, RerunRedoesNothingAndChangedPromptRegeneratesOnlyItsShotAndDependents) {
  auto first = std::make_shared<CountingBackend>();
  run(job_text(), first);
  ASSERT_EQ(first->submits, 4);

  auto again = std::make_shared<CountingBackend>();
  RunReport r2 = run(job_text(), again);
  EXPECT_EQ(again->submits, 0);
  EXPECT_EQ(r2.reused, 4);
  EXPECT_EQ(r2.frames, 598);

  // "a" changes: a's two segments and b (which starts from a's last frame) are made again.
  auto changed = std::make_shared<CountingBackend>();
  RunReport r3 = run(job_text("a different move"), changed);
  EXPECT_EQ(changed->submitted, (std::set<std::string>{"a/0", "a/1", "b/0"}));
  EXPECT_EQ(r3.reused, 1);
  EXPECT_EQ(r3.frames, 598);
  // The superseded paid ids are kept in the journal, never reused.
  Journal j(dir / "job.state");
  auto rec = j.load("a");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->segments[0].superseded_predictions.size(), 1u);

  // "c" changes alone: only c.
  auto only_c = std::make_shared<CountingBackend>();
  run(job_text("a different move", "the clock stops"), only_c);
  EXPECT_EQ(only_c->submitted, (std::set<std::string>{"c/0"}));
}

TEST_F(RunJobTest, JournalledPredictionIdIsNeverResubmitted) {
  auto crashing = std::make_shared<CountingBackend>();
  crashing->crash_after_id_for = "a/1";
  EXPECT_THROW(run(job_text(), crashing), Error);
  Journal j(dir / "job.state");
  auto rec = j.load("a");
  ASSERT_TRUE(rec);
  ASSERT_EQ(rec->segments.size(), 2u);
  EXPECT_EQ(rec->segments[0].status, SegmentRecord::Status::done);
  EXPECT_EQ(rec->segments[1].status, SegmentRecord::Status::submitted);
  std::string id = rec->segments[1].prediction_id;
  ASSERT_FALSE(id.empty());
  EXPECT_FALSE(rec->segments[1].intent_time.empty());

  auto resumed = std::make_shared<CountingBackend>();
  RunReport r = run(job_text(), resumed);
  EXPECT_EQ(resumed->resumed_ids, (std::set<std::string>{id})); // awaited, not resubmitted
  EXPECT_EQ(resumed->submitted.count("a/1"), 0u);
  EXPECT_EQ(resumed->submitted.count("a/0"), 0u); // done before the crash: not redone
  EXPECT_EQ(r.resumed, 1);
  EXPECT_EQ(r.frames, 598);
}

TEST_F(RunJobTest, EveryPreflightRunsBeforeAnythingIsGenerated) {
  // The last shot's still is too wide for the service (5:1): nothing at all is generated.
  ffmpeg({"-f", "lavfi", "-i", "color=blue:size=1600x320", "-frames:v", "1",
          (dir / "small.png").string()});
  std::string text = job_text();
  text.insert(text.rfind(']'),
              R"(, { "id": "tiny", "reference": { "image": "small.png" }, "prompt": "x" })");
  auto backend = std::make_shared<CountingBackend>();
  try {
    run(text, backend);
    FAIL() << "no pre-flight error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find("shot \"tiny\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("2:5 to 5:2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(backend->submits, 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

TEST_F(RunJobTest, DryRunStopsAfterPlanAndPreflight) {
  auto backend = std::make_shared<CountingBackend>();
  JobSpec job = load_job_spec(write_job(dir.path(), job_text()));
  RunOptions o;
  o.backend = backend;
  o.dry_run = true;
  RunReport r = run_job(job, o);
  EXPECT_TRUE(r.dry_run);
  EXPECT_EQ(r.plan.generations, 4);
  EXPECT_EQ(backend->submits, 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

namespace {
// Cancels the run as soon as the first segment is finished.
class CancelAfterFirst final : public ProgressSink {
 public:
  explicit CancelAfterFirst(CancelToken& t) : token_(t) {}
  void on_event(const ProgressEvent& e) override {
    if (e.kind == ProgressEvent::Kind::finished && e.stage == "generate") token_.request();
  }

 private:
  CancelToken& token_;
};
} // namespace

TEST_F(RunJobTest, CancelStopsWithJournalIntactAndResumeFinishes) {
  CancelToken cancel;
  CancelAfterFirst sink(cancel);
  auto backend = std::make_shared<CountingBackend>();
  try {
    run(job_text(), backend, &cancel, &sink);
    FAIL() << "not interrupted";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 130);
  }
  EXPECT_LT(backend->submits, 4);
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "seq.mp4"));
  auto rest = std::make_shared<CountingBackend>();
  RunReport r = run(job_text(), rest);
  EXPECT_GE(r.reused, 1);
  EXPECT_EQ(rest->submits + r.reused, 4 - r.resumed);
  EXPECT_EQ(r.frames, 598);
}

TEST_F(RunJobTest, InsertedStageSeesEveryShotClipBeforeAssembly) {
  std::vector<std::string> seen;
  auto stage = std::make_shared<FunctionStage<ShotClip, ShotClip>>(
      "host-check", [&](const ShotClip& c, StageContext& ctx) {
        EXPECT_TRUE(std::filesystem::exists(c.file));
        EXPECT_EQ(ctx.shot_id, c.shot_id);
        EXPECT_EQ(c.metadata.at("shotchain.shot"), c.shot_id);
        seen.push_back(c.shot_id);
        return c;
      });
  auto backend = std::make_shared<CountingBackend>();
  RunReport r = run(job_text(), backend, nullptr, nullptr, {stage});
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(r.frames, 598);
}
