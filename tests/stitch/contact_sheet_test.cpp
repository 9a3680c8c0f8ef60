// The contact sheet labels each row with the clip's (or shot's) id and its record timecode, in
// the sheet's own 5x7 alphabet: read back from the PNG (decoded by the ffmpeg CLI) by where the
// white label pixels end on each line.
#include <gtest/gtest.h>

#include "codecs/frame.h"
#include "codecs/stitch_support.h"
#include "stages/stitch/contact_sheet.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

namespace st = shotchain::stitch;
namespace t = shotchain::test;

namespace {
std::string gray_pixels(const std::filesystem::path& png) {
  auto raw = t::run({"ffmpeg", "-nostdin", "-v", "error", "-i", png.string(), "-f", "rawvideo",
                     "-pix_fmt", "gray", "-"});
  EXPECT_EQ(raw.exit_code, 0) << raw.err;
  return raw.out;
}
} // namespace

TEST(ContactSheet, LabelLinesAreIdAndRecordTimecode) {
  const auto lines = st::label_lines({"harbor_01", "01:00:06;02", nullptr, nullptr, nullptr});
  EXPECT_EQ(lines, (std::vector<std::string>{"HARBOR_01", "01:00:06;02"}));
  // Non-ASCII characters are one '?' each; long ids are cut to the label column.
  EXPECT_EQ(st::label_lines({"caf\xC3\xA9 #2", "", nullptr, nullptr, nullptr}).at(0), "CAF? #2");
  EXPECT_EQ(st::label_lines({std::string(40, 'x'), "", nullptr, nullptr, nullptr}).at(0),
            std::string(st::kLabelChars, 'X'));
}

TEST(ContactSheet, RowsShowTheirIdsAndTimecodes) {
  t::TempDir dir;
  const auto png = dir / "sheet.png";
  st::write_contact_sheet(png, {{"harbor", "01:00:00:00", nullptr, nullptr, nullptr},
                                {"face", "01:00:06:00", nullptr, nullptr, nullptr}});
  const int width = std::stoi(t::ffprobe_value(png.string(), "v:0", "stream=width"));
  const int height = std::stoi(t::ffprobe_value(png.string(), "v:0", "stream=height"));
  const std::string pixels = gray_pixels(png);
  ASSERT_EQ(pixels.size(), static_cast<std::size_t>(width) * height);
  // Layout: 8 px margins, 12 px per character (scale 2), rows of 136 px (empty cells), two
  // 18 px label lines centred in each row.
  auto characters_on = [&](int top) {
    int right = -1;
    for (int y = top; y < top + 14; ++y)
      for (int x = 0; x < 8 + st::kLabelChars * 12; ++x)
        if (static_cast<unsigned char>(pixels[static_cast<std::size_t>(y) * width + x]) > 200)
          right = std::max(right, x);
    return right < 0 ? 0 : (right - 8) / 12 + 1;
  };
  const int row = 136 + 8;
  const int first_line = 8 + (136 - 36) / 2;
  EXPECT_EQ(characters_on(first_line), 6);             // HARBOR
  EXPECT_EQ(characters_on(first_line + 18), 11);       // 01:00:00:00
  EXPECT_EQ(characters_on(row + first_line), 4);       // FACE
  EXPECT_EQ(characters_on(row + first_line + 18), 11); // 01:00:06:00
}

// Through the stitch stage: each row carries its clip's name and record in point, here in a
// 29.97 sequence (drop-frame) where 25 fps clips of 25 frames fill 29 frames each. The label
// column must equal one drawn from those texts directly.
TEST(ContactSheet, StitchLabelsRowsWithClipIdAndRecordTimecode) {
  t::TempDir dir;
  for (const char* name : {"first clip.mp4", "second #2.mp4"})
    t::ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=64x36:rate=25:duration=1", "-pix_fmt", "yuv420p",
               "-c:v", "libx264", "-preset", "ultrafast", (dir / name).string()});
  auto r = t::run_shotchain({"stitch", (dir / "first clip.mp4").string(),
                             (dir / "second #2.mp4").string(), "-o", (dir / "s.mov").string(),
                             "--fps", "29.97", "--contact-sheet", (dir / "sheet.png").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto sheet = dir / "sheet.png";
  const int width = std::stoi(t::ffprobe_value(sheet.string(), "v:0", "stream=width"));
  const int height = std::stoi(t::ffprobe_value(sheet.string(), "v:0", "stream=height"));
  const int cell_h = (height - 8) / 2 - 8; // two rows with 8 px gaps
  const auto cell = shotchain::codecs::rgb_canvas(240, cell_h, 0, 0, 0);
  st::write_contact_sheet(dir / "expected.png",
                          {{"first clip.mp4", "01:00:00;00", &cell, &cell, &cell},
                           {"second #2.mp4", "01:00:00;29", &cell, &cell, &cell}});
  const std::string got = gray_pixels(sheet), want = gray_pixels(dir / "expected.png");
  ASSERT_EQ(got.size(), want.size());
  ASSERT_EQ(got.size(), static_cast<std::size_t>(width) * height);
  int differing = 0;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < 8 + st::kLabelChars * 12; ++x)
      differing += got[static_cast<std::size_t>(y) * width + x] !=
                   want[static_cast<std::size_t>(y) * width + x];
  EXPECT_EQ(differing, 0);
}
