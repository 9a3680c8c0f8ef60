// The limits of codecs/media_limits.h, through the command: a frame at the largest allowed
// size is extracted (decoded, converted, written; under the per-operation deadline, which
// would otherwise stop it), one pixel row/column past it is refused with exit 2 naming the
// limit, and so are a file longer than the duration limit and one whose headers claim more
// frames than the frame-count limit.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

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

namespace {

// A 2-frame MJPEG AVI whose headers claim `frames` frames at 1000 fps (`frames` / 1000 s:
// under the duration limit, so the frame count is what is judged).
std::string avi_claiming(const TempDir& dir, std::uint32_t frames) {
  auto src = (dir / "claims.avi").string();
  ffmpeg({"-f", "lavfi", "-i", "color=c=gray:size=32x32:rate=25", "-frames:v", "2", "-c:v", "mjpeg",
          src});
  std::string bytes;
  {
    std::ifstream in(src, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto put = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  const std::size_t avih = bytes.find("avih"), strh = bytes.find("strh");
  EXPECT_NE(avih, std::string::npos);
  EXPECT_NE(strh, std::string::npos);
  put(avih + 8, 1000);        // microseconds per frame
  put(avih + 8 + 16, frames); // total frames
  put(strh + 28, 1);          // scale
  put(strh + 32, 1000);       // rate: 1000 fps
  put(strh + 40, frames);     // length
  std::ofstream(src, std::ios::binary | std::ios::trunc) << bytes;
  return src;
}

} // namespace

TEST(MediaLimits, FileClaimingMoreFramesThanTheLimitIsRefusedNamingIt) {
  static_assert(codecs::kMaxFrameCount == 10368000);
  TempDir dir;
  auto src = avi_claiming(dir, codecs::kMaxFrameCount + 1);
  EXPECT_EQ(ffprobe_value(src, "v:0", "stream=nb_frames"), "10368001");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"probe", src},
        std::vector<std::string>{"frame", src, "--last", "-o", (dir / "x.png").string()}}) {
    auto r = run_shotchain(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("too many frames (10368001; the limit is 10368000)"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(src), std::string::npos) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "x.png"));
  // At the limit, the count is no reason to refuse it.
  auto at_limit = avi_claiming(dir, codecs::kMaxFrameCount);
  auto r = run_shotchain({"probe", at_limit});
  EXPECT_EQ(r.err.find("too many frames"), std::string::npos) << r.err;
}
