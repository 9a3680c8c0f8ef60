// shotchain scenes and shotchain storyboard end to end: scene lists in every format, one
// reference per scene that is the same picture as `shotchain frame --frame N`, the contact
// sheet, a job spec that `run --dry-run` prices and `run` refuses to spend on while a prompt
// is a placeholder, and bad input exiting 2 with one line and nothing written.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <memory>

#include <csignal>

#include "tests/stages/media_test_util.h"
#include "tests/stages/scenes_corpus.h"
#include "tests/support/child.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using test::read_file;
using test::run_shotchain;
namespace corpus = shotchain::test::scenes_corpus;

namespace {

class ScenesCli : public ::testing::Test {
 protected:
  // Four shots (a short one of 10 frames between two hard cuts, then a dissolve of 12),
  // 640x360 25 fps H.264 with B-frames.
  static void SetUpTestSuite() {
    corpus::Spec spec{
        "cut",
        640,
        360,
        false,
        {{"bars", 40}, {"grad1", 10}, {"life", 45}, {"cells", 40}},
        {{corpus::Join::hard, 0}, {corpus::Join::hard, 0}, {corpus::Join::dissolve, 12}}};
    file_ = std::make_unique<corpus::File>(corpus::make(spec));
  }
  static void TearDownTestSuite() { file_.reset(); }
  static std::string src() { return file_->path.string(); }
  static std::unique_ptr<corpus::File> file_;
};
std::unique_ptr<corpus::File> ScenesCli::file_;

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

} // namespace

TEST_F(ScenesCli, WritesJsonCsvEdlAndOtio) {
  test::TempDir out;
  auto r = run_shotchain({"scenes", src(), "-o", (out / "cuts.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto d = parse(read_file(out / "cuts.json"));
  ASSERT_TRUE(d["scenes"].IsArray());
  const auto& scenes = d["scenes"];
  ASSERT_EQ(scenes.Size(), 4u);
  EXPECT_EQ(d["frames"].GetInt64(), file_->frames);
  EXPECT_EQ(scenes[1]["start"]["frame"].GetInt64(), file_->truth[0].first);
  EXPECT_EQ(scenes[3]["end"]["frame"].GetInt64(), file_->frames);
  EXPECT_STREQ(scenes[0]["start"]["timecode"].GetString(), "00:00:00:00");

  ASSERT_EQ(run_shotchain({"scenes", src(), "-o", (out / "cuts.csv").string()}).exit_code, 0);
  const std::string csv = read_file(out / "cuts.csv");
  EXPECT_EQ(csv.rfind("Timecode List:,00:00:01.600,", 0), 0u) << csv; // cut at frame 40
  EXPECT_NE(csv.find("\nScene Number,Start Frame,Start Timecode,Start Time (seconds),End Frame,"
                     "End Timecode,End Time (seconds),Length (frames),Length (timecode),"
                     "Length (seconds)"),
            std::string::npos);
  EXPECT_NE(csv.find("\n1,1,00:00:00.000,0.000,40,00:00:01.600,1.600,40,"), std::string::npos)
      << csv;

  ASSERT_EQ(run_shotchain({"scenes", src(), "-o", (out / "cuts.edl").string()}).exit_code, 0);
  const std::string edl = read_file(out / "cuts.edl");
  EXPECT_NE(edl.find("001  "), std::string::npos);
  EXPECT_NE(edl.find("004  "), std::string::npos);
  EXPECT_NE(edl.find("00:00:01:15 01:00:00:00 01:00:01:15"), std::string::npos) << edl;

  ASSERT_EQ(run_shotchain({"scenes", src(), "-o", (out / "cuts.otio").string()}).exit_code, 0);
  auto otio = parse(read_file(out / "cuts.otio"));
  EXPECT_TRUE(otio.IsObject());
  EXPECT_NE(read_file(out / "cuts.otio").find("scene-004"), std::string::npos);
}

TEST_F(ScenesCli, ReferencesAreTheFramesFrameWouldWrite) {
  test::TempDir out;
  for (const char* pick : {"middle", "best"}) {
    const auto refs = out / (std::string("refs-") + pick);
    auto r = run_shotchain({"--json", "scenes", src(), "--references", refs.string(), "--pick",
                            pick, "--contact-sheet", (out / "sheet.png").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto done = r.out.substr(r.out.rfind("{\"event\":\"done\""));
    auto d = parse(done);
    const auto& frames = d["reference_frames"];
    ASSERT_EQ(frames.Size(), 4u) << done;
    for (rapidjson::SizeType k = 0; k < frames.Size(); ++k) {
      char name[32];
      std::snprintf(name, sizeof name, "scene-%03u.png", k + 1);
      const auto oracle = out / (std::string("frame-") + name);
      ASSERT_EQ(run_shotchain({"frame", src(), "--frame", std::to_string(frames[k].GetInt64()),
                               "-o", oracle.string()})
                    .exit_code,
                0);
      EXPECT_GE(test::psnr_rgb((refs / name).string(), oracle.string()), 45) << pick << " " << name;
    }
  }
  EXPECT_FALSE(test::ffprobe_value((out / "sheet.png").string(), "v:0", "stream=width").empty());
}

TEST_F(ScenesCli, StoryboardIsAJobRunPricesAndRefusesToSpendOnPlaceholders) {
  test::TempDir out;
  const auto job = out / "job.json";
  auto r = run_shotchain({"storyboard", src(), "-o", job.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto d = parse(read_file(job));
  ASSERT_EQ(d["shots"].Size(), 4u);
  EXPECT_STREQ(d["shots"][0]["id"].GetString(), "scene-001");
  EXPECT_EQ(d["shots"][3]["segments"].GetInt(), 1);

  auto dry = run_shotchain({"run", job.string(), "--dry-run", "--backend", "preview"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("scene-004"), std::string::npos) << dry.out;

  auto spend = run_shotchain({"run", job.string(), "--backend", "preview"});
  EXPECT_EQ(spend.exit_code, 2);
  EXPECT_NE(spend.err.find("scene-001"), std::string::npos) << spend.err;
  EXPECT_FALSE(std::filesystem::exists(out / "job.state")) << test::list_dir(out.path());

  // "at" names the picked frame exactly: frame --at gives the picture of frame --frame N.
  const std::string at = d["shots"][2]["reference"]["at"].GetString();
  ASSERT_EQ(run_shotchain({"frame", src(), "--at", at, "-o", (out / "at.png").string()}).exit_code,
            0);
  auto cuts = run_shotchain({"--json", "scenes", src(), "--references", (out / "r").string()});
  ASSERT_EQ(cuts.exit_code, 0) << cuts.err;
  EXPECT_GE(test::psnr_rgb((out / "at.png").string(), (out / "r" / "scene-003.png").string()), 45);
}

TEST_F(ScenesCli, StoryboardTakesPromptsAndAGivenSceneList) {
  test::TempDir out;
  std::ofstream(out / "prompts.txt") << "# one per scene\nthe bars slide\n\nclouds of colour\n";
  ASSERT_EQ(run_shotchain({"scenes", src(), "-o", (out / "cuts.json").string()}).exit_code, 0);
  const auto job = out / "job.json";
  auto r =
      run_shotchain({"storyboard", src(), "-o", job.string(), "--prompts",
                     (out / "prompts.txt").string(), "--scenes", (out / "cuts.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto d = parse(read_file(job));
  ASSERT_EQ(d["shots"].Size(), 4u);
  EXPECT_STREQ(d["shots"][0]["prompt"].GetString(), "the bars slide");
  EXPECT_STREQ(d["shots"][1]["prompt"].GetString(), "clouds of colour");
  EXPECT_EQ(std::string(d["shots"][2]["prompt"].GetString()).rfind("PLACEHOLDER:", 0), 0u);

  std::ofstream(out / "prompts.json") << R"({"3": "a short burst", "9": "no such scene"})";
  auto bad = run_shotchain({"storyboard", src(), "-o", (out / "job2.json").string(), "--prompts",
                            (out / "prompts.json").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("prompts.json"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(out / "job2.json"));
}

TEST_F(ScenesCli, BadInputExitsTwoWithOneLineAndWritesNothing) {
  test::TempDir out;
  std::ofstream(out / "notes.mp4") << "not a video\n";
  struct Case {
    std::vector<std::string> args;
    std::string names;
  };
  const std::vector<Case> cases = {
      {{"scenes", (out / "notes.mp4").string(), "-o", (out / "a.json").string()}, "notes.mp4"},
      {{"scenes", (out / "missing.mp4").string()}, "missing.mp4"},
      {{"scenes", src(), "-o", (out / "a.txt").string()}, "a.txt"},
      {{"scenes", src(), "-o", (out / "no" / "a.json").string()}, "a.json"},
      {{"scenes", src(), "--detector", "fast"}, "--detector"},
      {{"scenes", src(), "--min-scene-len", "1:2:3"}, "--min-scene-len"},
      {{"scenes", src(), "--pick", "sharpest", "--references", (out / "r").string()}, "--pick"},
      {{"scenes", src(), "--contact-sheet", (out / "s.jpg").string()}, "s.jpg"},
      {{"storyboard", src(), "-o", (out / "j.yaml").string()}, "j.yaml"},
      {{"storyboard", src(), "-o", (out / "j.json").string(), "--scenes",
        (out / "notes.mp4").string()},
       "notes.mp4"},
  };
  for (const auto& c : cases) {
    auto r = run_shotchain(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args[2] << ": " << r.err;
    EXPECT_EQ(test::line_count(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(c.names), std::string::npos) << r.err;
  }
  EXPECT_EQ(test::list_dir(out.path()), "notes.mp4") << test::list_dir(out.path());
}

TEST(ScenesCliSignals, SigintStopsWith130AndWritesNothing) {
  test::TempDir dir;
  const auto src = (dir / "long.mp4").string();
  test::ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=300", "-c:v",
                "libx264", "-preset", "ultrafast", "-bf", "3", "-pix_fmt", "yuv420p", src});
  const pid_t pid =
      test::spawn({"--json", "scenes", src, "-o", (dir / "cuts.json").string()}, dir.path(), {});
  const bool started = test::wait_until(
      pid, [&] { return read_file(dir / "child.out").find("\"started\"") != std::string::npos; });
  kill(pid, SIGINT);
  const int code = test::wait_exit(pid);
  ASSERT_TRUE(started) << read_file(dir / "child.err");
  EXPECT_EQ(code, 130) << read_file(dir / "child.err");
  EXPECT_NE(read_file(dir / "child.err").find("interrupted"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "cuts.json"));
}

TEST(ScenesCliTimecode, TimecodesCountFromTheSourceStartTimecode) {
  test::TempDir dir;
  const auto src = (dir / "tc.mov").string();
  test::ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=2", "-vf",
                "hue=H='PI*gte(t,1)'", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt",
                "yuv420p", "-timecode", "10:00:00:00", src});
  auto r = run_shotchain({"scenes", src, "-o", (dir / "cuts.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto d = parse(read_file(dir / "cuts.json"));
  ASSERT_EQ(d["scenes"].Size(), 2u) << read_file(dir / "cuts.json");
  EXPECT_STREQ(d["start_timecode"].GetString(), "10:00:00:00");
  EXPECT_STREQ(d["scenes"][1]["start"]["timecode"].GetString(), "10:00:01:00");
  EXPECT_EQ(d["scenes"][1]["start"]["frame"].GetInt64(), 25);
}
