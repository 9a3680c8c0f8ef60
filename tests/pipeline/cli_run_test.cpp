// `shotchain run` as a process: the sample storyboard (plan and a full offline run), spec
// errors (exit 2 with line and column), kill -9 at different moments then resume, SIGINT -> 130.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include <rapidjson/document.h>

#include "tests/pipeline/test_job.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain::test;
namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::string> kEnv{{"SHOTCHAIN_PREVIEW_HEIGHT", "144"},
                                              {"ATLASCLOUD_API_KEY", ""}};

class CliRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    make_job_inputs(dir.path());
    job = write_job(dir.path(), job_text()).string();
  }
  RunResult rerun() { return run_shotchain({"--json", "run", job, "--concurrency", "2"}, kEnv); }
  // The finished job: the sequence is complete and nothing half-written is left.
  void expect_complete(const RunResult& r) {
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json_field(r.out, "frames"), 598) << r.out;
    EXPECT_EQ(list_dir(dir / "out"), "provenance seq.edl seq.mp4 seq.otio seq.qc.json shots");
    EXPECT_EQ(list_dir(dir / "out" / "shots"), "a.mp4 b.mp4 c.mp4");
    auto frames =
        run({"ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0", "-show_entries",
             "stream=nb_read_packets", "-of", "csv=p=0", (dir / "out" / "seq.mp4").string()});
    EXPECT_EQ(std::atoi(frames.out.c_str()), 598);
  }
  TempDir dir;
  std::string job;
};

} // namespace

TEST(CliRunSample, DryRunPrintsPlanAndPrice) {
  TempDir dir;
  auto r = run_shotchain({"run", std::string(SHOTCHAIN_SOURCE_DIR) + "/samples/storyboard.json",
                          "--dry-run", "--state-dir", (dir / "state").string()},
                         kEnv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("4 shots, 6 generations, 897 frames"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1.38 USD for 6 paid generations"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(join deduped)"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("preview backend"), std::string::npos) << r.err;
  // A dry run writes nothing: no state folder (the sample's video reference was still checked).
  EXPECT_EQ(list_dir(dir.path()), "");
}

TEST(CliRunSample, RunsOfflineAndListsWhatItWrote) {
  TempDir dir;
  auto out = dir / "out";
  auto r = run_shotchain({"run", std::string(SHOTCHAIN_SOURCE_DIR) + "/samples/storyboard.json",
                          "--state-dir", (dir / "state").string(), "--output-dir", out.string()},
                         kEnv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("preview backend"), std::string::npos);
  EXPECT_NE(r.out.find("done: 897 frames; segments generated 6"), std::string::npos) << r.out;
  for (const char* f : {"storyboard.mov", "storyboard.otio", "storyboard.fcpxml", "storyboard.edl",
                        "storyboard.qc.json", "storyboard.contact.png", "shots/journey.mov",
                        "provenance/dusk.json"}) {
    EXPECT_TRUE(fs::exists(out / f)) << f;
    EXPECT_NE(r.out.find((out / f).string()), std::string::npos) << f; // listed
  }
  auto seq = (out / "storyboard.mov").string();
  EXPECT_EQ(ffprobe_value(seq, "v:0", "stream=codec_name,profile"), "prores,HQ");
  EXPECT_EQ(ffprobe_value(seq, "v:0", "stream=nb_frames"), "897");
  EXPECT_NE(read_file(out / "provenance" / "harbor.json").find("\"time\": \"2.000\""),
            std::string::npos);
  auto xml = run({"xmllint", "--noout", (out / "storyboard.fcpxml").string()});
  EXPECT_EQ(xml.exit_code, 0) << xml.err;
}

TEST(CliRunSpec, ErrorsNameLineColumnAndShotAndExit2) {
  TempDir dir;
  auto job = write_job(dir.path(),
                       "{\n  \"shots\": [\n    { \"id\": \"harbor\", \"prompt\": "
                       "\"x\",\n      \"refrence\": {} }\n  ]\n}\n");
  auto r = run_shotchain({"run", job.string()}, kEnv);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(job.string() + ":4:7: shot \"harbor\": refrence: unknown field"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err; // one line
  EXPECT_EQ(list_dir(dir.path()), "job.json");                         // nothing written
}

TEST_F(CliRunTest, KillNineAfterFirstSegmentThenResumeRedoesNothingDone) {
  pid_t pid = spawn({"run", job, "--concurrency", "1"}, dir.path(), kEnv);
  bool hit = wait_until(pid, [&] {
    return read_file(dir / "job.state" / "shots" / "a.json").find("\"status\": \"done\"") !=
           std::string::npos;
  });
  kill(pid, SIGKILL);
  wait_exit(pid);
  ASSERT_TRUE(hit) << read_file(dir / "child.err");
  auto r = rerun();
  expect_complete(r);
  EXPECT_GE(json_field(r.out, "reused"), 1) << r.out;
  EXPECT_EQ(
      json_field(r.out, "generated") + json_field(r.out, "reused") + json_field(r.out, "resumed"),
      4);
}

TEST_F(CliRunTest, KillNineDuringAssemblyThenResumeOnlyAssembles) {
  pid_t pid = spawn({"run", job}, dir.path(), kEnv);
  bool hit = wait_until(pid, [&] {
    std::error_code ec;
    // Shot clips are made while other shots generate: the sequence is assembled once all
    // three are there.
    return fs::exists(dir / "out" / "shots" / "a.mp4", ec) &&
           fs::exists(dir / "out" / "shots" / "b.mp4", ec) &&
           fs::exists(dir / "out" / "shots" / "c.mp4", ec);
  });
  kill(pid, SIGKILL);
  wait_exit(pid);
  ASSERT_TRUE(hit) << read_file(dir / "child.err");
  auto r = rerun();
  expect_complete(r);
  EXPECT_EQ(json_field(r.out, "generated"), 0) << r.out;
  EXPECT_EQ(json_field(r.out, "reused"), 4) << r.out;
}

TEST_F(CliRunTest, SigintStopsWith130AndJournalIntact) {
  pid_t pid = spawn({"run", job, "--concurrency", "1"}, dir.path(), kEnv);
  bool hit = wait_until(pid, [&] {
    return read_file(dir / "job.state" / "shots" / "a.json").find("\"status\": \"done\"") !=
           std::string::npos;
  });
  kill(pid, SIGINT);
  int code = wait_exit(pid);
  ASSERT_TRUE(hit) << read_file(dir / "child.err");
  EXPECT_EQ(code, 130) << read_file(dir / "child.err");
  EXPECT_NE(read_file(dir / "child.err").find("interrupted"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "out" / "seq.mp4"));
  auto r = rerun();
  expect_complete(r);
  EXPECT_GE(json_field(r.out, "reused"), 1) << r.out;
}

TEST(CliExtend, SourceThenChainedSegmentsWithAudioPaddedAndJoinsDeduped) {
  TempDir dir;
  auto src = (dir / "src.mp4").string();
  // Footage whose last second is one held picture (see the report: the ASan build of the
  // stitch stage measured a fast-changing source's join against the wrong frame).
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=256x144:rate=1:duration=2", "-f", "lavfi", "-i",
          "sine=frequency=440:duration=2", "-vf", "fps=25", "-c:v", "libx264", "-preset",
          "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", src});
  auto out = (dir / "ext.mp4").string();
  auto r = run_shotchain(
      {"--json", "extend", src, "--prompt", "the card drifts away", "--segments", "2", "-o", out},
      kEnv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 50 source frames, then 2 x 150 generated, each join's duplicated frame dropped.
  EXPECT_EQ(json_field(r.out, "frames"), 50 + 150 + 150 - 2) << r.out;
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=nb_frames"), "348");
  EXPECT_EQ(ffprobe_value(out, "a:0", "stream=codec_type"), "audio");
  double adur = std::stod(ffprobe_value(out, "a:0", "stream=duration"));
  EXPECT_NEAR(adur, 348 / 25.0, 0.05); // the source's audio, padded with silence
  EXPECT_EQ(list_dir(dir.path()), "ext.mp4 ext.mp4.state src.mp4");
  // Again: nothing is generated twice.
  auto again = run_shotchain(
      {"--json", "extend", src, "--prompt", "the card drifts away", "--segments", "2", "-o", out},
      kEnv);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(json_field(again.out, "generated"), 0);
  EXPECT_EQ(json_field(again.out, "reused"), 2);
}

TEST(CliExtend, UsageErrorsExit2) {
  TempDir dir;
  auto r = run_shotchain(
      {"extend", (dir / "missing.mp4").string(), "--prompt", "x", "-o", (dir / "o.mov").string()},
      kEnv);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.mp4: no such file"), std::string::npos) << r.err;
  r = run_shotchain({"extend", "a.mp4", "--prompt", "x", "-o", "o.avi"}, kEnv);
  EXPECT_EQ(r.exit_code, 2);
  r = run_shotchain({"extend", "a.mp4", "--prompt", "x", "--segments", "0", "-o", "o.mov"}, kEnv);
  EXPECT_EQ(r.exit_code, 2);
}

// The done event says what the run cost the host: CPU up to the end of generation, the media
// part of it (the preview backend encodes every segment, so it is not zero), and assembly.
TEST_F(CliRunTest, DoneEventSplitsCpuIntoMediaAndTheRest) {
  auto r = rerun();
  expect_complete(r);
  auto done = r.out.find("{\"event\":\"done\"");
  ASSERT_NE(done, std::string::npos) << r.out;
  rapidjson::Document d;
  d.Parse(r.out.substr(done, r.out.find('\n', done) - done).c_str());
  ASSERT_FALSE(d.HasParseError()) << r.out;
  ASSERT_TRUE(d.HasMember("cpu_s") && d["cpu_s"].IsObject()) << r.out;
  const auto& cpu = d["cpu_s"];
  const double generation = cpu["generation"].GetDouble();
  const double media = cpu["generation_media"].GetDouble();
  EXPECT_GT(media, 0.0);
  EXPECT_LE(media, generation);
  EXPECT_GT(cpu["assembly"].GetDouble(), 0.0);
}
