// The contact sheet labels each row with the clip's (or shot's) id and its record timecode, in
// the sheet's own 5x7 alphabet: read back from the PNG (decoded by the ffmpeg CLI) by where the
// white label pixels end on each line.
#include <gtest/gtest.h>

#include "stages/stitch/contact_sheet.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

namespace st = shotchain::stitch;
namespace t = shotchain::test;

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
  auto raw = t::run({"ffmpeg", "-nostdin", "-v", "error", "-i", png.string(), "-f", "rawvideo",
                     "-pix_fmt", "gray", "-"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  ASSERT_EQ(raw.out.size(), static_cast<std::size_t>(width) * height);
  // Layout: 8 px margins, 12 px per character (scale 2), rows of 136 px (empty cells), two
  // 18 px label lines centred in each row.
  auto characters_on = [&](int top) {
    int right = -1;
    for (int y = top; y < top + 14; ++y)
      for (int x = 0; x < 8 + st::kLabelChars * 12; ++x)
        if (static_cast<unsigned char>(raw.out[static_cast<std::size_t>(y) * width + x]) > 200)
          right = std::max(right, x);
    return right < 0 ? 0 : (right - 8) / 12 + 1;
  };
  const int row = 136 + 8;
  const int first_line = 8 + (136 - 36) / 2;
  EXPECT_EQ(characters_on(first_line), 6);            // HARBOR
  EXPECT_EQ(characters_on(first_line + 18), 11);      // 01:00:00:00
  EXPECT_EQ(characters_on(row + first_line), 4);      // FACE
  EXPECT_EQ(characters_on(row + first_line + 18), 11); // 01:00:06:00
}
