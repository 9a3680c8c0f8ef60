// Pre-flight of a generation: the reference image rules, prompt, duration, model id, and
// prepare_reference() converting other formats / video frames and fitting the aspect.
#include <gtest/gtest.h>

#include <fstream>

#include "common/error.h"
#include "stages/reference_check.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using namespace shotchain::stages;
using shotchain::test::ffmpeg;
using shotchain::test::ffprobe_value;
using shotchain::test::TempDir;

namespace {

std::filesystem::path make_image(const TempDir& dir, const std::string& name, int w, int h) {
  auto p = dir / name;
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=" + std::to_string(w) + "x" + std::to_string(h),
          "-frames:v", "1", p.string()});
  return p;
}

Failure failure_of(const std::function<void()>& fn, std::string* message = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.failure();
  }
  return Failure::runtime; // "no error" shows up as a mismatch against bad_input
}

} // namespace

TEST(ReferenceCheck, AcceptsServiceReadyPngAndJpeg) {
  TempDir dir;
  auto png = make_image(dir, "a.png", 640, 360);
  auto jpg = make_image(dir, "b.jpg", 360, 640);
  auto f = check_reference_image(png, "a.png");
  EXPECT_EQ(f.width, 640);
  EXPECT_EQ(f.content_type, "image/png");
  EXPECT_EQ(check_reference_image(jpg, "b.jpg").content_type, "image/jpeg");
  EXPECT_EQ(prepare_reference(png, ReferenceFit::none, dir.path() / "work", "a"), png)
      << "a ready image is used as is";
}

TEST(ReferenceCheck, RefusesSmallOddAspectWrongFormatAndHugeFiles) {
  TempDir dir;
  std::string msg;
  EXPECT_EQ(
      failure_of([&] { check_reference_image(make_image(dir, "s.png", 300, 400), "s"); }, &msg),
      Failure::bad_input);
  EXPECT_NE(msg.find("300 px"), std::string::npos) << msg;
  // 5:2 exactly is outside "strictly between".
  EXPECT_EQ(
      failure_of([&] { check_reference_image(make_image(dir, "w.png", 1000, 400), "w"); }, &msg),
      Failure::bad_input);
  EXPECT_NE(msg.find("2:5 to 5:2"), std::string::npos) << msg;
  EXPECT_NO_THROW(check_reference_image(make_image(dir, "ok.png", 998, 400), "ok"));
  EXPECT_EQ(failure_of([&] { check_reference_image(make_image(dir, "x.bmp", 640, 360), "x"); }),
            Failure::bad_input);
  // JPEG data behind a .png name.
  auto jpg = make_image(dir, "real.jpg", 640, 360);
  std::filesystem::copy_file(jpg, dir / "fake.png");
  EXPECT_EQ(failure_of([&] { check_reference_image(dir / "fake.png", "fake"); }),
            Failure::bad_input);
  // Over 20 MB is refused before decoding.
  {
    std::ofstream big(dir / "big.png", std::ios::binary);
    big.seekp(21 * 1024 * 1024);
    big.put('\0');
  }
  EXPECT_EQ(failure_of([&] { check_reference_image(dir / "big.png", "big.png"); }, &msg),
            Failure::bad_input);
  EXPECT_NE(msg.find("20 MB"), std::string::npos) << msg;
}

TEST(ReferenceCheck, PromptDurationModel) {
  EXPECT_NO_THROW(check_prompt(std::string(2000, 'a')));
  EXPECT_EQ(failure_of([] { check_prompt(std::string(2001, 'a')); }), Failure::bad_input);
  std::string umlauts;
  for (int i = 0; i < 2000; ++i) umlauts += "\xC3\xA4"; // 2000 characters, 4000 bytes
  EXPECT_NO_THROW(check_prompt(umlauts));
  EXPECT_EQ(failure_of([] { check_prompt(""); }), Failure::bad_input);
  EXPECT_NO_THROW(check_duration(6));
  EXPECT_NO_THROW(check_duration(10));
  EXPECT_EQ(failure_of([] { check_duration(8); }), Failure::bad_input);
  EXPECT_NO_THROW(check_model_id("minimax/hailuo-02/standard"));
  EXPECT_EQ(failure_of([] { check_model_id("minimax hailuo"); }), Failure::bad_input);
  EXPECT_EQ(failure_of([] { check_model_id("a/../b"); }), Failure::bad_input);
}

TEST(ReferenceCheck, OtherFormatsAndVideoFramesBecomePng) {
  TempDir dir;
  auto bmp = make_image(dir, "still.bmp", 640, 360);
  auto out = prepare_reference(bmp, ReferenceFit::none, dir.path() / "work", "still.bmp");
  EXPECT_EQ(out.extension(), ".png");
  EXPECT_EQ(ffprobe_value(out.string(), "v:0", "stream=codec_name"), "png");
  EXPECT_EQ(ffprobe_value(out.string(), "v:0", "stream=width,height"), "640,360");
  auto clip = dir / "clip.mp4";
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=480x320:rate=25", "-frames:v", "10", "-pix_fmt",
          "yuv420p", clip.string()});
  auto frame = prepare_reference(clip, ReferenceFit::none, dir.path() / "work", "clip.mp4");
  EXPECT_EQ(ffprobe_value(frame.string(), "v:0", "stream=width,height"), "480,320");
}

TEST(ReferenceCheck, FitPadOrCropMakesAWidePictureValid) {
  TempDir dir;
  auto wide = make_image(dir, "pano.png", 1200, 400); // 3:1
  EXPECT_EQ(failure_of([&] { prepare_reference(wide, ReferenceFit::none, dir.path(), "pano"); }),
            Failure::bad_input);
  auto padded = prepare_reference(wide, ReferenceFit::pad, dir.path() / "pad", "pano");
  EXPECT_EQ(ffprobe_value(padded.string(), "v:0", "stream=width,height"), "1200,500");
  auto cropped = prepare_reference(wide, ReferenceFit::crop, dir.path() / "crop", "pano");
  EXPECT_EQ(ffprobe_value(cropped.string(), "v:0", "stream=width,height"), "960,400");
  auto tiny = make_image(dir, "tiny.png", 200, 150);
  auto up = prepare_reference(tiny, ReferenceFit::pad, dir.path() / "tiny", "tiny");
  auto facts = check_reference_image(up, "tiny");
  EXPECT_GE(std::min(facts.width, facts.height), 301);
  EXPECT_TRUE(aspect_in_range(facts.width, facts.height));
}
