// shotchain convert, checked with ffprobe as the oracle: copy remux, H.264, ProRes profiles,
// constant frame rate, size/fit, audio and timecode kept.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "stages/convert_media.h"
#include "tests/stages/media_test_util.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using test::ffmpeg;
using test::ffprobe_value;
using test::list_dir;
using test::run_shotchain;
using test::TempDir;

namespace {

// 2 s, 25 fps H.264 with B-frames, AAC audio and a start timecode, in MOV.
std::string make_source(const TempDir& dir) {
  auto p = (dir / "src.mov").string();
  ffmpeg({"-f",   "lavfi",   "-i",        "testsrc2=size=320x240:rate=25:duration=2",
          "-f",   "lavfi",   "-i",        "sine=f=440:duration=2:sample_rate=48000",
          "-c:v", "libx264", "-preset",   "veryfast",
          "-bf",  "3",       "-pix_fmt",  "yuv420p",
          "-c:a", "aac",     "-timecode", "01:00:10:00",
          p});
  return p;
}

std::string v(const std::string& f, const std::string& entry) {
  return ffprobe_value(f, "v:0", entry);
}
std::string a(const std::string& f, const std::string& entry) {
  return ffprobe_value(f, "a:0", entry);
}

} // namespace

TEST(Convert, CopyRemuxesWithoutDecodingFromZeroWithFaststart) {
  TempDir dir;
  auto ts = (dir / "src.ts").string();
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2", "-c:v", "libx264",
          "-preset", "veryfast", "-f", "mpegts", ts}); // MPEG-TS starts at 1.4 s
  auto out = (dir / "out.mp4").string();
  auto r = run_shotchain({"convert", ts, "-o", out, "--codec", "copy"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(v(out, "stream=codec_name"), "h264");
  EXPECT_EQ(v(out, "stream=nb_frames"), "50");
  EXPECT_EQ(std::stod(v(out, "stream=start_time")), 0.0);
  // faststart: moov comes before mdat.
  auto json = test::ffprobe_json({"-show_format"}, out);
  std::string head(64, '\0');
  FILE* f = std::fopen(out.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  head.resize(std::fread(head.data(), 1, head.size(), f));
  std::fclose(f);
  EXPECT_NE(head.find("moov"), std::string::npos);
  // The same pictures: the video was not re-encoded.
  auto md5 = [](const std::string& file) {
    return test::run({"ffmpeg", "-v", "error", "-i", file, "-map", "0:v", "-f", "md5", "-"}).out;
  };
  EXPECT_EQ(md5(ts), md5(out));
}

TEST(Convert, H264KeepsAacAudioAndTimecodeWithBt709Tags) {
  TempDir dir;
  auto src = make_source(dir);
  auto out = (dir / "out.mp4").string();
  auto r = run_shotchain({"convert", src, "-o", out, "--codec", "h264", "--crf", "20"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(v(out, "stream=codec_name"), "h264");
  EXPECT_EQ(v(out, "stream=pix_fmt"), "yuv420p");
  EXPECT_EQ(v(out, "stream=color_primaries"), "bt709");
  EXPECT_EQ(v(out, "stream=color_transfer"), "bt709");
  EXPECT_EQ(v(out, "stream=color_space"), "bt709");
  EXPECT_EQ(v(out, "stream=nb_frames"), "50");
  EXPECT_EQ(v(out, "stream=avg_frame_rate"), "25/1");
  EXPECT_EQ(a(out, "stream=codec_name"), "aac");
  EXPECT_NE(test::ffprobe_json({"-show_streams"}, out).find("01:00:10:00"), std::string::npos);
  EXPECT_GE(test::psnr_rgb(src, out), 35);
}

TEST(Convert, ProResProfilesPixelFormatsVendorAndPcmAudio) {
  TempDir dir;
  auto src = make_source(dir);
  struct Case {
    const char* codec;
    const char* profile;
    const char* pix_fmt;
  };
  for (Case c : {Case{"prores", "Standard", "yuv422p10le"}, Case{"prores_hq", "HQ", "yuv422p10le"},
                 Case{"prores_4444", "4444", "yuva444p"}}) {
    auto out = (dir / (std::string(c.codec) + ".mov")).string();
    auto r = run_shotchain({"convert", src, "-o", out, "--codec", c.codec});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(v(out, "stream=codec_name"), "prores");
    EXPECT_EQ(v(out, "stream=profile"), c.profile);
    EXPECT_EQ(v(out, "stream=pix_fmt").rfind(c.pix_fmt, 0), 0u) << v(out, "stream=pix_fmt");
    EXPECT_EQ(v(out, "stream_tags=vendor_id"), "apl0");
    EXPECT_EQ(v(out, "stream=color_primaries"), "bt709");
    EXPECT_EQ(v(out, "stream=color_space"), "bt709");
    EXPECT_EQ(v(out, "stream=nb_frames"), "50");
    EXPECT_EQ(a(out, "stream=codec_name"), "pcm_s16le");
    EXPECT_EQ(a(out, "stream=sample_rate"), "48000");
    EXPECT_NE(test::ffprobe_json({"-show_streams"}, out).find("01:00:10:00"), std::string::npos);
  }
}

TEST(Convert, FpsMakesConstantRateAndSizeFitScales) {
  TempDir dir;
  auto src = make_source(dir);
  auto out = (dir / "cfr.mov").string();
  auto r = run_shotchain({"convert", src, "-o", out, "--codec", "h264", "--fps", "30", "--size",
                          "200x200", "--fit", "pad"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(v(out, "stream=avg_frame_rate"), "30/1");
  EXPECT_EQ(v(out, "stream=r_frame_rate"), "30/1");
  EXPECT_EQ(v(out, "stream=nb_frames"), "60");
  EXPECT_EQ(v(out, "stream=width"), "200");
  EXPECT_EQ(v(out, "stream=height"), "200");

  // VFR in, --fps 25 out: a constant rate with every timestamp on the grid.
  auto vfr = (dir / "vfr.mkv").string();
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2", "-vf",
          "select=not(eq(mod(n\\,5)\\,3))", "-vsync", "vfr", "-c:v", "libx264", "-preset",
          "veryfast", vfr});
  auto cfr = (dir / "cfr.mp4").string();
  ASSERT_EQ(run_shotchain({"convert", vfr, "-o", cfr, "--fps", "25"}).exit_code, 0);
  EXPECT_EQ(v(cfr, "stream=nb_frames"), "50");
  auto times = test::run({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "packet=pts_time", "-of", "csv=p=0", cfr})
                   .out;
  std::vector<double> ts;
  for (size_t p = 0, q; (q = times.find('\n', p)) != std::string::npos; p = q + 1)
    ts.push_back(std::stod(times.substr(p, q - p)));
  std::sort(ts.begin(), ts.end());
  ASSERT_EQ(ts.size(), 50u);
  for (size_t i = 0; i < ts.size(); ++i) EXPECT_NEAR(ts[i], i / 25.0, 1e-3);

  auto crop = (dir / "crop.mov").string();
  ASSERT_EQ(run_shotchain({"convert", src, "-o", crop, "--codec", "prores", "--size", "100x200",
                           "--fit", "crop"})
                .exit_code,
            0);
  EXPECT_EQ(v(crop, "stream=width"), "100");
  EXPECT_EQ(v(crop, "stream=height"), "200");
}

TEST(Convert, StageReportsWhatItWrote) {
  TempDir dir;
  auto src = make_source(dir);
  stages::ConvertOptions o;
  o.codec = "h264";
  o.preset = "ultrafast";
  double last_progress = 0;
  o.progress = [&](double f) { last_progress = f; };
  auto r = stages::convert(src, dir / "x.mp4", o);
  EXPECT_EQ(r.video_frames, 50);
  EXPECT_EQ(r.video_codec, "h264");
  EXPECT_TRUE(r.audio);
  EXPECT_EQ(r.timecode, "01:00:10:00");
  EXPECT_DOUBLE_EQ(last_progress, 1.0);
  EXPECT_EQ(list_dir(dir.path()), "src.mov x.mp4");
}
