// The limits of codecs/media_limits.h, through the command: a frame at the largest allowed
// size is extracted (decoded, converted, written; under the per-operation deadline, which
// would otherwise stop it), one pixel row/column past it is refused with exit 2 naming the
// limit, and so is a file longer than the duration limit.
#include <gtest/gtest.h>

#include <string>

#include "codecs/media_limits.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using test::ffmpeg;
using test::ffprobe_value;
using test::run_shotchain;
using test::TempDir;

namespace {

std::string one_frame(const TempDir& dir, const std::string& size) {
  auto src = (dir / ("frame-" + size + ".mov")).string();
  ffmpeg(
      {"-f", "lavfi", "-i", "color=c=gray:size=" + size, "-frames:v", "1", "-c:v", "mjpeg", src});
  return src;
}

} // namespace

TEST(MediaLimits, FrameAtTheLargestAllowedSizeIsExtracted) {
  static_assert(codecs::kMaxPixels == 8192LL * 8192);
  TempDir dir;
  std::string src = one_frame(dir, "8192x8192");
  auto out = (dir / "last.jpg").string();
  auto r = run_shotchain({"frame", src, "--last", "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=width,height"), "8192,8192");
}

TEST(MediaLimits, PictureOverThePixelLimitIsRefusedNamingIt) {
  TempDir dir;
  std::string src = one_frame(dir, "8194x8192");
  auto r = run_shotchain({"frame", src, "--last", "-o", (dir / "x.jpg").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("picture too large (8194x8192; the limit is 67108864 pixels"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(src), std::string::npos) << r.err;
  r = run_shotchain({"probe", src});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST(MediaLimits, FileLongerThanTheDurationLimitIsRefusedNamingIt) {
  TempDir dir;
  auto src = (dir / "long.mkv").string();
  // Two frames 100000 s apart: a tiny file that claims more than a day.
  ffmpeg({"-f", "lavfi", "-i", "color=size=32x32:rate=1/100000", "-frames:v", "2", "-c:v", "mjpeg",
          src});
  auto r = run_shotchain({"probe", src});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("too long"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the limit is 86400 s"), std::string::npos) << r.err;
}
