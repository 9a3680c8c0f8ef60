#pragma once
// The contact sheet: one PNG grid, a row per clip (first, middle, last frame), each row
// labelled with the clip's id (shot id, label or file name) and its record timecode in the
// sequence, as an editor finds it on the timelines.
#include <filesystem>
#include <string>
#include <vector>

namespace shotchain::codecs {
class Frame;
}

namespace shotchain::stitch {

struct ContactRow {
  std::string id;       // the clip's or shot's id
  std::string timecode; // its record in point, e.g. "01:00:06:00"
  const codecs::Frame* first = nullptr;
  const codecs::Frame* middle = nullptr;
  const codecs::Frame* last = nullptr;
};

// The two lines drawn beside a row: the id in the sheet's alphabet (upper case letters,
// digits and - _ . : ; # / ( ), anything else as '?'), cut to kLabelChars, then the timecode.
inline constexpr int kLabelChars = 16;
std::vector<std::string> label_lines(const ContactRow& row);

// Writes the grid to `path` (PNG, written atomically). Cells are the pictures' size (all the
// same); empty pictures are left grey.
void write_contact_sheet(const std::filesystem::path& path, const std::vector<ContactRow>& rows);

} // namespace shotchain::stitch
