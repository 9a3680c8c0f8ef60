#pragma once
// The contact sheet: one PNG grid, a row per clip (first, middle, last frame), each row
// labelled with the clip's position (or a label of its own, e.g. a scene's timecode).
#include <filesystem>
#include <string>
#include <vector>

namespace shotchain::codecs {
class Frame;
}

namespace shotchain::stitch {

struct ContactRow {
  int position = 0; // 1-based clip position
  const codecs::Frame* first = nullptr;
  const codecs::Frame* middle = nullptr;
  const codecs::Frame* last = nullptr;
};

// Writes the grid to `path` (PNG, written atomically). Cells are the pictures' size (all the
// same); empty pictures are left grey.
// `labels` (optional, one per row) replace "#position": digits, '#', ':' and spaces.
void write_contact_sheet(const std::filesystem::path& path, const std::vector<ContactRow>& rows,
                         const std::vector<std::string>& labels = {});

} // namespace shotchain::stitch
