// shotchain frame / stages::extract_frame against ffmpeg as the oracle: the same frame as
// `ffmpeg -ss T -i SRC -frames:v 1`, the true last frame, the N-th frame, rotation, VFR,
// 10-bit HDR-tagged and odd-sized sources, JPEG quality.
#include <gtest/gtest.h>

extern "C" {
#include <libavutil/pixfmt.h>
}

#include <filesystem>

#include "codecs/image_file.h"
#include "codecs/output_file.h"
#include "codecs/video_conform.h"
#include "codecs/video_encoder.h"
#include "stages/frame_extract.h"
#include "tests/stages/media_test_util.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using test::ffmpeg;
using test::ffprobe_value;
using test::psnr_rgb;
using test::run_shotchain;
using test::TempDir;

namespace {

// 6 s of testsrc2 in H.264 with B-frames and a 2 s GOP (what cameras and x264 produce).
std::string make_gop_clip(const TempDir& dir, const std::string& name = "gop.mp4") {
  auto p = (dir / name).string();
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=6", "-c:v", "libx264",
          "-preset", "veryfast", "-g", "50", "-bf", "3", "-pix_fmt", "yuv420p", p});
  return p;
}

std::string ffmpeg_frame_at(const std::string& src, const std::string& t, const std::string& out) {
  ffmpeg({"-ss", t, "-i", src, "-frames:v", "1", out});
  return out;
}

} // namespace

TEST(FrameTime, ParsesSecondsClockAndTimecode) {
  auto a = stages::parse_time("12.5");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->microseconds, 12'500'000);
  EXPECT_EQ(a->frames, -1);
  auto b = stages::parse_time("01:02:03.250");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->microseconds, (3600 + 120 + 3) * 1'000'000LL + 250'000);
  auto c = stages::parse_time("00:00:04:12");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->microseconds, 4'000'000);
  EXPECT_EQ(c->frames, 12);
  EXPECT_EQ(stages::parse_time("01:30")->microseconds, 90'000'000); // MM:SS
  EXPECT_TRUE(stages::parse_time("150.04"));
  EXPECT_EQ(stages::parse_time("150.04")->microseconds, 150'040'000);
  for (const char* bad : {"", "-1", "abc", "1:2:3:4:5", "00:61:00", "1.2.3", "12s", "00:00:01;x"})
    EXPECT_FALSE(stages::parse_time(bad)) << bad;
}

TEST(FrameAt, SameFrameAsFfmpegSeekAtManyTimes) {
  TempDir dir;
  auto src = make_gop_clip(dir);
  // Mid-GOP, exact frame boundaries, just before a keyframe, on a keyframe, near the end.
  for (std::string t : {"0", "0.5", "1.02", "1.03", "1.99", "2", "2.001", "3.333", "5.96"}) {
    auto ours = (dir / ("s" + t + ".png")).string();
    auto r = run_shotchain({"frame", src, "--at", t, "-o", ours});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto theirs = ffmpeg_frame_at(src, t, (dir / ("f" + t + ".png")).string());
    EXPECT_GE(psnr_rgb(ours, theirs), 45) << "at " << t;
  }
}

TEST(FrameAt, ClockAndTimecodeFormsPickTheSameFrame) {
  TempDir dir;
  auto src = make_gop_clip(dir);
  stages::FrameRequest a, b, c;
  a.kind = b.kind = c.kind = stages::FrameRequest::Kind::at;
  a.time = *stages::parse_time("4.48");
  b.time = *stages::parse_time("00:00:04.480");
  c.time = *stages::parse_time("00:00:04:12"); // 4 s + 12 frames at 25 fps
  auto fa = stages::extract_frame(src, a), fb = stages::extract_frame(src, b),
       fc = stages::extract_frame(src, c);
  EXPECT_NEAR(fa.seconds, 4.48, 1e-9);
  EXPECT_NEAR(fb.seconds, 4.48, 1e-9);
  EXPECT_NEAR(fc.seconds, 4.48, 1e-9);
}

TEST(FrameLast, TrueLastFrameWithoutDecodingTheWholeFile) {
  TempDir dir;
  auto src = make_gop_clip(dir);
  auto ours = (dir / "last.png").string();
  auto r = run_shotchain({"frame", src, "--last", "-o", ours});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto theirs = (dir / "ff_last.png").string();
  ffmpeg({"-sseof", "-0.5", "-i", src, "-update", "1", theirs});
  EXPECT_GE(psnr_rgb(ours, theirs), 45);

  stages::FrameRequest req;
  req.kind = stages::FrameRequest::Kind::last;
  auto f = stages::extract_frame(src, req);
  EXPECT_NEAR(f.seconds, 5.96, 1e-9);
  // Only the last GOP (2 s = 50 frames) is read, and non-reference frames are skipped.
  EXPECT_GT(f.packets_decoded, 0);
  EXPECT_LE(f.packets_decoded, 50);
}

TEST(FrameIndex, NthAndFirstFrameMatchFfmpegSelect) {
  TempDir dir;
  auto src = make_gop_clip(dir);
  for (int n : {0, 1, 49, 50, 77, 149}) {
    auto ours = (dir / ("n" + std::to_string(n) + ".png")).string();
    auto r = run_shotchain({"frame", src, "--frame", std::to_string(n), "-o", ours});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto theirs = (dir / ("fn" + std::to_string(n) + ".png")).string();
    ffmpeg(
        {"-i", src, "-vf", "select=eq(n\\," + std::to_string(n) + ")", "-frames:v", "1", theirs});
    EXPECT_GE(psnr_rgb(ours, theirs), 45) << "frame " << n;
  }
  auto first = (dir / "first.png").string();
  ASSERT_EQ(run_shotchain({"frame", src, "--first", "-o", first}).exit_code, 0);
  EXPECT_GE(psnr_rgb(first, (dir / "fn0.png").string()), 45);
  auto past = run_shotchain({"frame", src, "--frame", "150", "-o", (dir / "x.png").string()});
  EXPECT_EQ(past.exit_code, 2);
  EXPECT_NE(past.err.find("150 frames"), std::string::npos) << past.err;
}

TEST(FrameRotation, PortraitPhoneClipGivesPortraitStill) {
  TempDir dir;
  // A 320x240 clip whose display matrix says "rotate 90° clockwise", as phones write.
  auto src = dir / "phone.mp4";
  {
    codecs::OutputFile out(src);
    codecs::VideoEncoderSettings vs;
    vs.width = 320;
    vs.height = 240;
    vs.preset = "ultrafast";
    vs.global_header = out.needs_global_header();
    codecs::VideoEncoder enc(vs);
    int s = out.add_video_stream(enc);
    out.set_rotation(s, 90);
    auto pattern = (dir / "pattern.png").string();
    ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", pattern});
    codecs::ConformSettings cs;
    cs.pixel_format = enc.pixel_format();
    codecs::VideoConformer conform(cs);
    for (int i = 0; i < 10; ++i) {
      auto pic = conform.convert(codecs::read_image(pattern));
      pic.set_pts(i);
      out.encode(enc, s, &pic);
    }
    out.encode(enc, s, nullptr);
    out.commit();
  }
  auto ours = (dir / "still.png").string();
  auto r = run_shotchain({"frame", src.string(), "--at", "0.2", "-o", ours});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ffprobe_value(ours, "v:0", "stream=width"), "240");
  EXPECT_EQ(ffprobe_value(ours, "v:0", "stream=height"), "320");
  auto theirs = ffmpeg_frame_at(src.string(), "0.2", (dir / "ff.png").string()); // autorotates
  EXPECT_EQ(ffprobe_value(theirs, "v:0", "stream=width"), "240");
  EXPECT_GE(psnr_rgb(ours, theirs), 45);
}

TEST(FrameVfr, VariableFrameRateSourceMatchesFfmpeg) {
  TempDir dir;
  auto src = (dir / "vfr.mkv").string();
  // Drop two of every five frames: irregular gaps between timestamps.
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4", "-vf",
          "select=lt(mod(n\\,5)\\,3)", "-vsync", "vfr", "-c:v", "libx264", "-preset", "veryfast",
          "-bf", "2", "-g", "30", src});
  for (std::string t : {"0.1", "0.17", "1.5", "2.95", "3.5"}) {
    auto ours = (dir / ("s" + t + ".png")).string();
    auto r = run_shotchain({"frame", src, "--at", t, "-o", ours});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto theirs = ffmpeg_frame_at(src, t, (dir / ("f" + t + ".png")).string());
    EXPECT_GE(psnr_rgb(ours, theirs), 45) << "at " << t;
  }
}

TEST(FrameDepth, TenBitOddSizedSourceGivesEightBitPngLikeFfmpeg) {
  TempDir dir;
  auto src = (dir / "ten.mkv").string();
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1", "-vf", "scale=321:241",
          "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv444p10le", "-colorspace",
          "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", src});
  auto ours = (dir / "ten.png").string();
  auto r = run_shotchain({"frame", src, "--at", "0.4", "-o", ours});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ffprobe_value(ours, "v:0", "stream=pix_fmt"), "rgb24");
  EXPECT_EQ(ffprobe_value(ours, "v:0", "stream=width"), "321");
  EXPECT_EQ(ffprobe_value(ours, "v:0", "stream=height"), "241");
  auto theirs = (dir / "ff.png").string();
  ffmpeg({"-ss", "0.4", "-i", src, "-frames:v", "1", "-pix_fmt", "rgb24", theirs});
  EXPECT_GE(psnr_rgb(ours, theirs), 45);
}

TEST(FrameDepth, HdrPqSourceIsToneMappedToSdr) {
  TempDir dir;
  auto src = (dir / "hdr.mkv").string();
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1", "-c:v", "libx264",
          "-preset", "veryfast", "-pix_fmt", "yuv420p10le", "-color_primaries", "bt2020",
          "-color_trc", "smpte2084", "-colorspace", "bt2020nc", src});
  auto ours = (dir / "hdr.png").string();
  auto r = run_shotchain({"frame", src, "--at", "0.4", "-o", ours});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ffprobe_value(ours, "v:0", "stream=pix_fmt"), "rgb24");
  // Oracle: ffmpeg's usual HDR->SDR chain (zimg linearise at 100 nits, BT.709 primaries, Hable).
  auto mapped = (dir / "mapped.png").string();
  ffmpeg({"-ss", "0.4", "-i", src, "-frames:v", "1", "-vf",
          "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0,"
          "zscale=t=bt709:m=bt709:r=pc,format=rgb24",
          mapped});
  // Without tone mapping (the PQ code values shown as if SDR).
  auto naive = (dir / "naive.png").string();
  ffmpeg({"-ss", "0.4", "-i", src, "-frames:v", "1", "-pix_fmt", "rgb24", naive});
  const double to_mapped = psnr_rgb(ours, mapped), to_naive = psnr_rgb(ours, naive);
  EXPECT_GE(to_mapped, 20);
  EXPECT_GT(to_mapped, to_naive + 3) << "mapped " << to_mapped << " vs " << to_naive;
}

TEST(FrameJpeg, QualityChangesSizeAndStaysFaithful) {
  TempDir dir;
  auto src = make_gop_clip(dir);
  auto hi = (dir / "hi.jpg").string(), lo = (dir / "lo.jpg").string();
  ASSERT_EQ(run_shotchain({"frame", src, "--at", "1", "--quality", "95", "-o", hi}).exit_code, 0);
  ASSERT_EQ(run_shotchain({"frame", src, "--at", "1", "--quality", "20", "-o", lo}).exit_code, 0);
  EXPECT_EQ(ffprobe_value(hi, "v:0", "stream=codec_name"), "mjpeg");
  EXPECT_GT(std::filesystem::file_size(hi), std::filesystem::file_size(lo));
  auto ref = ffmpeg_frame_at(src, "1", (dir / "ref.png").string());
  EXPECT_GE(psnr_rgb(hi, ref), 30);
  EXPECT_GT(psnr_rgb(hi, ref), psnr_rgb(lo, ref));
}

TEST(FrameBestNear, PicksTheSharpFrameAmongBlurredOnes) {
  TempDir dir;
  auto src = (dir / "blur.mp4").string();
  // Every frame blurred except frame 30 (t = 1.2 s).
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=3", "-vf",
          "gblur=sigma=6:enable='not(eq(n\\,30))'", "-c:v", "libx264", "-preset", "veryfast",
          "-crf", "10", src});
  auto ours = (dir / "best.png").string();
  auto r =
      run_shotchain({"frame", src, "--best-near", "1.0", "--window", "0.5", "-o", ours, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"seconds\":1.200000"), std::string::npos) << r.out;
}
