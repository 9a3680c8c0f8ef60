// codecs/png_rows: a PNG written band by band (the contact sheet's writer). What it writes
// must decode to exactly the rows given, in order; nothing is at the path before commit(), and
// an abandoned or overfilled picture leaves nothing behind.
#include <gtest/gtest.h>

extern "C" {
#include <libavutil/pixfmt.h>
}

#include <array>
#include <filesystem>

#include "codecs/frame.h"
#include "codecs/image_file.h"
#include "codecs/png_rows.h"
#include "codecs/stitch_support.h"
#include "common/error.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
namespace fs = std::filesystem;

namespace {

// The RGB of pixel (x, y) of an RGB24 frame.
std::array<int, 3> rgb_at(const codecs::Frame& f, int x, int y) {
  const uint8_t* p = f.av()->data[0] + y * f.av()->linesize[0] + 3 * x;
  return {p[0], p[1], p[2]};
}

} // namespace

TEST(PngRows, BandsDecodeToTheRowsGivenInOrder) {
  test::TempDir dir;
  const fs::path out = dir / "bands.png";
  {
    codecs::PngRows png(out, 40, 30);
    png.add(codecs::rgb_canvas(40, 10, 255, 0, 0));
    png.add(codecs::rgb_canvas(40, 7, 0, 255, 0));
    EXPECT_FALSE(fs::exists(out)) << "nothing at the path before commit";
    png.add(codecs::rgb_canvas(40, 13, 0, 0, 255));
    png.commit();
  }
  EXPECT_EQ(test::ffprobe_value(out.string(), "v:0", "stream=codec_name,width,height"),
            "png,40,30");
  codecs::Frame back = codecs::read_image(out);
  ASSERT_EQ(back.pixel_format(), AV_PIX_FMT_RGB24);
  EXPECT_EQ(rgb_at(back, 0, 0), (std::array<int, 3>{255, 0, 0}));
  EXPECT_EQ(rgb_at(back, 39, 9), (std::array<int, 3>{255, 0, 0}));
  EXPECT_EQ(rgb_at(back, 5, 10), (std::array<int, 3>{0, 255, 0}));
  EXPECT_EQ(rgb_at(back, 5, 16), (std::array<int, 3>{0, 255, 0}));
  EXPECT_EQ(rgb_at(back, 5, 17), (std::array<int, 3>{0, 0, 255}));
  EXPECT_EQ(rgb_at(back, 39, 29), (std::array<int, 3>{0, 0, 255}));
}

TEST(PngRows, AnUnfinishedOrOverfilledPictureLeavesNothing) {
  test::TempDir dir;
  const fs::path out = dir / "x.png";
  {
    codecs::PngRows png(out, 8, 8);
    png.add(codecs::rgb_canvas(8, 4, 1, 2, 3));
    EXPECT_THROW(png.commit(), Error) << "4 rows of 8";
  }
  {
    codecs::PngRows png(out, 8, 8);
    EXPECT_THROW(png.add(codecs::rgb_canvas(8, 9, 1, 2, 3)), Error);
    EXPECT_THROW(png.add(codecs::rgb_canvas(7, 1, 1, 2, 3)), Error) << "another width";
  }
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(fs::is_empty(dir.path())) << "no temporary left behind";
}
