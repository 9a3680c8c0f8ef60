#pragma once
// The contact sheet: one PNG grid, a row per clip (first, middle, last frame), each row
// labelled with the clip's id (shot id, label or file name) and its record timecode in the
// sequence, as an editor finds it on the timelines.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace shotchain::codecs {
class Frame;
class PngRows;
} // namespace shotchain::codecs

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

// The grid written row by row as rows come (PNG, in place at commit()): memory holds one row,
// whatever their number. Pictures are drawn scaled into cells of `cell_width` x `cell_height`;
// empty ones are left grey.
class ContactSheet {
 public:
  ContactSheet(const std::filesystem::path& path, std::size_t rows, int cell_width,
               int cell_height);
  ~ContactSheet();
  void add(const ContactRow& row); // in order, at most `rows`
  void commit();                   // after the last row

 private:
  std::unique_ptr<codecs::PngRows> png_;
  int cell_w_, cell_h_, label_w_, width_;
};

// The grid of `rows` at once (cells the largest picture's size).
void write_contact_sheet(const std::filesystem::path& path, const std::vector<ContactRow>& rows);

} // namespace shotchain::stitch
