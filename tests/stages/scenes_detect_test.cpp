// Scene detection against a labelled corpus made with the ffmpeg CLI (tests/stages/
// scenes_corpus.h): per file precision and recall of cuts (+-1 frame for hard cuts, anywhere
// inside a gradual transition), F1 >= 0.97 overall, no file below 0.9, no flash as a cut.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "common/error.h"
#include "stages/frame_extract.h"
#include "stages/scenes/detect.h"
#include "stages/scenes/storyboard.h"
#include "tests/stages/scenes_corpus.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
namespace corpus = shotchain::test::scenes_corpus;

namespace {

class ScenesCorpus : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const auto& spec : corpus::specs()) files_.push_back(corpus::make(spec));
  }
  static void TearDownTestSuite() { files_.clear(); }
  static std::vector<int64_t> cut_frames(const scenes::SceneList& list) {
    std::vector<int64_t> cuts;
    for (size_t i = 1; i < list.scenes.size(); ++i) cuts.push_back(list.scenes[i].start);
    return cuts;
  }
  static std::vector<corpus::File> files_;
};
std::vector<corpus::File> ScenesCorpus::files_;

std::string join(const std::vector<int64_t>& v) {
  std::string s;
  for (auto x : v) s += (s.empty() ? "" : " ") + std::to_string(x);
  return s;
}

} // namespace

TEST_F(ScenesCorpus, DefaultDetectorMeetsTheTargets) {
  corpus::Score total;
  for (const auto& f : files_) {
    const auto list = scenes::detect_scenes(f.path, {});
    EXPECT_EQ(list.frames, f.frames) << f.path; // the corpus is what it claims to be
    const auto cuts = cut_frames(list);
    const auto s = corpus::score(f.truth, cuts);
    std::vector<int64_t> expected;
    for (const auto& t : f.truth) expected.push_back(t.first);
    std::printf("%-22s P %.3f R %.3f F1 %.3f  cuts [%s]  truth starts [%s]\n",
                f.path.filename().c_str(), s.precision(), s.recall(), s.f1(), join(cuts).c_str(),
                join(expected).c_str());
    EXPECT_GE(s.f1(), 0.9) << f.path;
    for (const auto& [a, b] : f.flashes)
      for (auto c : cuts)
        EXPECT_FALSE(c >= a && c <= b + 1) << f.path << ": flash at " << a << " reported as a cut";
    total.true_positives += s.true_positives;
    total.detected += s.detected;
    total.expected += s.expected;
  }
  std::printf("overall P %.3f R %.3f F1 %.3f\n", total.precision(), total.recall(), total.f1());
  EXPECT_GE(total.f1(), 0.97);
}

// The plain content detector finds every hard cut. Steady fast motion (the scrolling
// cellular automaton changes ~32 per frame) crosses PySceneDetect's threshold of 27, which is
// why its default here is 40 and adaptive is the default detector.
TEST_F(ScenesCorpus, ContentDetectorFindsHardCuts) {
  scenes::DetectOptions o;
  o.detector = scenes::DetectorKind::content;
  const auto& f = files_[0]; // hard cuts only
  EXPECT_EQ(corpus::score(f.truth, cut_frames(scenes::detect_scenes(f.path, o))).f1(), 1.0);
  o.threshold = 27;
  EXPECT_LT(corpus::score(f.truth, cut_frames(scenes::detect_scenes(f.path, o))).precision(), 1.0);
}

TEST_F(ScenesCorpus, ThresholdDetectorCutsFadesInTheirMiddle) {
  scenes::DetectOptions o;
  o.detector = scenes::DetectorKind::threshold;
  const auto& f = files_[2]; // two fades through black, then a hard cut
  const auto cuts = cut_frames(scenes::detect_scenes(f.path, o));
  ASSERT_EQ(cuts.size(), 2u) << join(cuts);
  for (int k = 0; k < 2; ++k) {
    EXPECT_GE(cuts[static_cast<size_t>(k)], f.truth[static_cast<size_t>(k)].first);
    EXPECT_LE(cuts[static_cast<size_t>(k)], f.truth[static_cast<size_t>(k)].last);
  }
}

TEST_F(ScenesCorpus, MinSceneLengthDropsCutsTooClose) {
  scenes::DetectOptions o;
  o.min_scene_length = *scenes::parse_min_scene_length("1.0");
  const auto& f = files_[4]; // short shots of 8-12 frames
  const auto list = scenes::detect_scenes(f.path, o);
  for (size_t i = 1; i + 1 < list.scenes.size(); ++i)
    EXPECT_GE(list.scenes[i].end - list.scenes[i].start, 30) << i;
}

TEST(ScenesOptions, MinSceneLengthIsFramesOrTime) {
  auto frames = scenes::parse_min_scene_length("12");
  ASSERT_TRUE(frames);
  EXPECT_EQ(frames->resolve({25, 1}), 12);
  auto seconds = scenes::parse_min_scene_length("0.6");
  ASSERT_TRUE(seconds);
  EXPECT_EQ(seconds->resolve({25, 1}), 15);
  EXPECT_EQ(seconds->resolve({30000, 1001}), 18);
  auto tc = scenes::parse_min_scene_length("00:00:01:05");
  ASSERT_TRUE(tc);
  EXPECT_EQ(tc->resolve({25, 1}), 30);
  for (const char* bad : {"", "-3", "abc", "1:2:3", "0.6s"})
    EXPECT_FALSE(scenes::parse_min_scene_length(bad)) << bad;
  EXPECT_EQ(scenes::parse_detector("adaptive"), scenes::DetectorKind::adaptive);
  EXPECT_FALSE(scenes::parse_detector("fast"));
}

// A flash: the picture before the change comes back two frames later.
TEST(ScenesCuts, AFlashIsNotACutButAShortShotIs) {
  scenes::FrameSignals s;
  const int n = 80;
  s.change.assign(scenes::kFlashFrames + 1, std::vector<float>(n, 2.0f));
  s.gradual.assign(n, 0.02f);
  s.mean_luma.assign(n, 100.0f);
  // Flash at frames 20-21: big change in and out; frames 22+ look like 19.
  for (int k = 0; k <= scenes::kFlashFrames; ++k) {
    s.change[static_cast<size_t>(k)][20] = 80;
    s.change[static_cast<size_t>(k)][22] = k >= 2 ? 3.0f : 80.0f;
    s.change[static_cast<size_t>(k)][21] = k == 0 ? 2.0f : 80.0f;
  }
  // A shot of 8 frames from 50 to 57: every picture differs from those before 50.
  for (int k = 0; k <= scenes::kFlashFrames; ++k)
    for (int i = 50; i < 58 + k + 1; ++i)
      if (i - k - 1 < 50 || i >= 58) s.change[static_cast<size_t>(k)][static_cast<size_t>(i)] = 70;
  for (int k = 0; k <= scenes::kFlashFrames; ++k)
    for (int i = 51; i < 58; ++i)
      if (i - k - 1 >= 50) s.change[static_cast<size_t>(k)][static_cast<size_t>(i)] = 2;
  s.change[0][59] = 2;
  scenes::DetectOptions o;
  o.min_scene_length.frames = 1;
  const auto cuts = scenes::find_cuts(s, o, {25, 1});
  std::vector<int64_t> frames;
  for (const auto& c : cuts) frames.push_back(c.frame);
  EXPECT_EQ(frames, (std::vector<int64_t>{50, 58}));
}

TEST(ScenesBadInput, TextFileIsBadInputNamingIt) {
  test::TempDir dir;
  const auto p = dir / "notes.mp4";
  std::ofstream(p) << "not a video\n";
  try {
    scenes::detect_scenes(p, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::bad_input);
    EXPECT_NE(std::string(e.what()).find("notes.mp4"), std::string::npos);
  }
}

// storyboard writes a reference as {"at": frame_time(N)}: at 29.97 fps that time must bring
// back exactly frame N through the `at` path (first frame at or after the time).
TEST_F(ScenesCorpus, FrameTimeNamesExactlyThatFrame) {
  const auto& f = files_[1]; // 29.97 fps
  for (int64_t n : {0, 1, 29, 30, 101, 199}) {
    stages::FrameRequest at;
    at.kind = stages::FrameRequest::Kind::at;
    at.time = *parse_time(scenes::frame_time(n, {30000, 1001}));
    stages::FrameRequest index;
    index.kind = stages::FrameRequest::Kind::index;
    index.index = n;
    EXPECT_DOUBLE_EQ(stages::extract_frame(f.path, at).seconds,
                     stages::extract_frame(f.path, index).seconds)
        << n << " " << at.time.text;
  }
}
