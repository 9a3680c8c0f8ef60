// The preview backend: the service's exact output format, first frame = the reference, and a
// move that depends on the prompt. Checked with ffprobe/ffmpeg as independent oracles.
#include <gtest/gtest.h>

#include "common/error.h"
#include "stages/generate_verify.h"
#include "stages/preview_generator.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using namespace shotchain::test;

namespace {

// Frame `n` of `clip` as a PNG (decoded by the ffmpeg CLI, which honours the colour tags).
std::string frame_png(const std::string& clip, int n, const std::string& out) {
  ffmpeg({"-i", clip, "-vf", "select=eq(n\\," + std::to_string(n) + ")", "-frames:v", "1", out});
  return out;
}

// PSNR (dB) of the grey levels of two pictures, `b` scaled to `w` x `h` first.
double psnr_vs(const std::string& a, const std::string& b, int w, int h) {
  auto r = run({"ffmpeg", "-nostdin", "-hide_banner", "-i", a, "-i", b, "-lavfi",
                "[0]format=gray[a];[1]scale=" + std::to_string(w) + ":" + std::to_string(h) +
                    ",format=gray[b];[a][b]psnr",
                "-f", "null", "-"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto at = r.err.find("PSNR y:");
  if (at == std::string::npos) {
    ADD_FAILURE() << r.err;
    return 0;
  }
  std::string value = r.err.substr(at + 7, 3);
  return value == "inf" ? 100.0 : std::stod(r.err.substr(at + 7));
}

} // namespace

TEST(Preview, OutputSizeKeepsAspectWithEvenWidth) {
  EXPECT_EQ(preview::output_size(1920, 1080).width, 1366);
  EXPECT_EQ(preview::output_size(1920, 1080).height, 768);
  EXPECT_EQ(preview::output_size(1000, 1000).width, 768);
  EXPECT_EQ(preview::output_size(1080, 1920).width, 432);
  EXPECT_EQ(preview::output_size(4, 3).width, 1024);
}

TEST(Preview, ServiceFormatAtFullSizeFirstFrameIsTheReference) {
  TempDir dir;
  auto ref = (dir / "ref.png").string();
  ffmpeg(
      {"-f", "lavfi", "-i", "testsrc2=size=960x540:rate=1,gblur=sigma=3", "-frames:v", "1", ref});
  preview::PreviewGenerator gen;
  NullProgressSink sink;
  CancelToken cancel;
  StageContext ctx;
  ctx.sink = &sink;
  ctx.cancel = &cancel;
  ctx.shot_id = "s";
  auto out = (dir / "clip.mp4").string();
  auto res = gen.run({ref, out, 150, "slow dolly"}, ctx);
  EXPECT_EQ(res.frames, 150);
  EXPECT_EQ(list_dir(dir.path()), "clip.mp4 ref.png"); // no temporary left

  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=codec_name"), "h264");
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=width,height"), "1366,768");
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=avg_frame_rate"), "25/1");
  auto frames = run({"ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                     "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", out});
  EXPECT_EQ(std::stoi(frames.out), 150);
  EXPECT_EQ(ffprobe_value(out, "a", "stream=codec_type"), ""); // no audio, as the service
  // The first frame is the reference; then it moves.
  EXPECT_GT(psnr_vs(frame_png(out, 0, (dir / "f0.png").string()), ref, 1366, 768), 38.0);
  EXPECT_LT(psnr_vs(frame_png(out, 149, (dir / "f149.png").string()), ref, 1366, 768), 30.0);
}

TEST(Preview, PromptChangesTheMoveAndInspectFindsLastFrame) {
  TempDir dir;
  auto ref = (dir / "ref.png").string();
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=1", "-frames:v", "1", ref});
  preview::PreviewOptions opt;
  opt.height = 144;
  preview::PreviewGenerator gen(opt);
  NullProgressSink sink;
  CancelToken cancel;
  StageContext ctx{&sink, &cancel, "s", 0, 1, {}};
  gen.run({ref, (dir / "a.mp4").string(), 150, "pan left"}, ctx);
  gen.run({ref, (dir / "b.mp4").string(), 150, "rise up"}, ctx);
  auto fa = stages::verify_clip(dir / "a.mp4", 150, "a.mp4", {}, dir / "a_last.png");
  auto fb = stages::verify_clip(dir / "b.mp4", 150, "b.mp4", {}, dir / "b_last.png");
  EXPECT_EQ(fa.frames, 150);
  EXPECT_EQ(fb.frames, 150);
  EXPECT_EQ(fa.width, 256);
  EXPECT_EQ(fa.height, 144);
  EXPECT_DOUBLE_EQ(fa.fps, 25.0);
  EXPECT_EQ(ffprobe_value((dir / "a_last.png").string(), "v:0", "stream=codec_name"), "png");
  // Different prompts, different last frames.
  EXPECT_LT(psnr_vs((dir / "a_last.png").string(), (dir / "b_last.png").string(), 256, 144), 35.0);
  // The last frame written by verify_clip is the clip's last frame.
  EXPECT_GT(psnr_vs(frame_png((dir / "a.mp4").string(), 149, (dir / "a149.png").string()),
                    (dir / "a_last.png").string(), 256, 144),
            45.0);
}

TEST(Preview, CancelStopsAndLeavesNothing) {
  TempDir dir;
  auto ref = (dir / "ref.png").string();
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=1", "-frames:v", "1", ref});
  preview::PreviewOptions opt;
  opt.height = 144;
  preview::PreviewGenerator gen(opt);
  NullProgressSink sink;
  CancelToken cancel;
  cancel.request();
  StageContext ctx{&sink, &cancel, "s", 0, 1, {}};
  try {
    gen.run({ref, (dir / "a.mp4").string(), 150, "x"}, ctx);
    FAIL() << "not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 130);
  }
  EXPECT_EQ(list_dir(dir.path()), "ref.png");
}

TEST(Preview, ServiceImageRules) {
  TempDir dir;
  auto small = (dir / "small.png").string();
  ffmpeg({"-f", "lavfi", "-i", "color=red:size=400x300", "-frames:v", "1", small});
  auto wide = (dir / "wide.png").string();
  ffmpeg({"-f", "lavfi", "-i", "color=red:size=1600x320", "-frames:v", "1", wide});
  auto bmp = (dir / "x.bmp").string();
  ffmpeg({"-f", "lavfi", "-i", "color=red:size=640x360", "-frames:v", "1", bmp});
  auto check = [](const std::string& p) -> std::string {
    try {
      preview::check_service_image(p, "shot \"a\": reference " + p);
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2);
      return e.what();
    }
    return "";
  };
  EXPECT_NE(check(small).find("short side under 301"), std::string::npos);
  EXPECT_NE(check(wide).find("2:5 to 5:2"), std::string::npos);
  EXPECT_NE(check(bmp).find(".png, .jpg"), std::string::npos);
  EXPECT_NE(check((dir / "none.png").string()).find("cannot read"), std::string::npos);
}
