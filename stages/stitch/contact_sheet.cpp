#include "stages/stitch/contact_sheet.h"

#include <algorithm>
#include <string>

#include "codecs/frame.h"
#include "codecs/image_file.h"
#include "codecs/stitch_support.h"
#include "common/cpu_time.h"
#include "common/error.h"

namespace shotchain::stitch {
namespace {

// 5x7 glyphs for the row labels: digits, '#' and ':'. Each row of a glyph is 5 bits, MSB left.
const unsigned char kDigits[10][7] = {
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}};
const unsigned char kHash[7] = {0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A};
const unsigned char kColon[7] = {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00};

void draw_text(codecs::Frame& canvas, int x, int y, const std::string& text, int scale) {
  for (char ch : text) {
    const unsigned char* g = ch == '#'                  ? kHash
                             : ch == ':'                ? kColon
                             : (ch >= '0' && ch <= '9') ? kDigits[ch - '0']
                                                        : nullptr;
    if (g) {
      for (int row = 0; row < 7; ++row)
        for (int col = 0; col < 5; ++col)
          if (g[row] & (0x10 >> col))
            codecs::fill_rect(canvas, x + col * scale, y + row * scale, scale, scale, 255, 255,
                              255);
    }
    x += 6 * scale;
  }
}

} // namespace

void write_contact_sheet(const std::filesystem::path& path, const std::vector<ContactRow>& rows,
                         const std::vector<std::string>& labels) {
  MediaCpuScope media_cpu;
  int cw = 0, ch = 0;
  for (const auto& r : rows)
    for (const codecs::Frame* f : {r.first, r.middle, r.last})
      if (f && !f->empty()) {
        cw = std::max(cw, f->width());
        ch = std::max(ch, f->height());
      }
  if (cw == 0) cw = 240, ch = 136;
  const int gap = 8, scale = 3;
  auto label_of = [&](std::size_t i) {
    return i < labels.size() ? labels[i] : "#" + std::to_string(rows[i].position);
  };
  std::size_t longest = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) longest = std::max(longest, label_of(i).size());
  const int label_w = std::max(90, static_cast<int>(longest) * 6 * scale + gap);
  const int width = label_w + 3 * (cw + gap) + gap;
  const int height = static_cast<int>(rows.size()) * (ch + gap) + gap;
  codecs::Frame canvas = codecs::rgb_canvas(width, height, 24, 24, 24);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const int y = gap + static_cast<int>(i) * (ch + gap);
    draw_text(canvas, gap, y + (ch - 7 * scale) / 2, label_of(i), scale);
    const codecs::Frame* cells[3] = {rows[i].first, rows[i].middle, rows[i].last};
    for (int k = 0; k < 3; ++k) {
      const int x = label_w + gap + k * (cw + gap);
      if (cells[k] && !cells[k]->empty())
        codecs::draw_picture(canvas, *cells[k], x, y, cw, ch);
      else
        codecs::fill_rect(canvas, x, y, cw, ch, 96, 96, 96);
    }
  }
  codecs::write_image(canvas, path);
}

} // namespace shotchain::stitch
