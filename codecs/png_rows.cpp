#include "codecs/png_rows.h"

#include <zlib.h>

#include <string>
#include <vector>

#include "codecs/frame.h"
#include "common/atomic_file.h"
#include "common/error.h"

namespace shotchain::codecs {
namespace {

void put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFF);
}

// One PNG chunk: length, type, data, CRC of type and data.
std::string chunk(const char type[4], const std::string& data) {
  std::string out;
  put32(out, static_cast<std::uint32_t>(data.size()));
  std::string body(type, 4);
  body += data;
  out += body;
  put32(out, static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(body.data()),
                                              static_cast<uInt>(body.size()))));
  return out;
}

} // namespace

struct PngRows::State {
  State(const std::filesystem::path& p, int w, int h) : path(p), file(p), width(w), height(h) {}
  std::filesystem::path path;
  AtomicFile file;
  int width, height;
  int rows = 0;
  z_stream z{};
  std::vector<unsigned char> out = std::vector<unsigned char>(1 << 16);

  // Compresses `bytes` (or finishes the stream) and writes what zlib gives as IDAT chunks.
  void deflate_into_file(const unsigned char* bytes, std::size_t size, int flush) {
    z.next_in = const_cast<Bytef*>(bytes);
    z.avail_in = static_cast<uInt>(size);
    int ret;
    do {
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      ret = deflate(&z, flush);
      if (ret == Z_STREAM_ERROR) throw Error(Failure::runtime, path.string() + ": zlib failed");
      const std::size_t made = out.size() - z.avail_out;
      if (made) file.write(chunk("IDAT", std::string(reinterpret_cast<char*>(out.data()), made)));
    } while (z.avail_out == 0 || (flush == Z_FINISH && ret != Z_STREAM_END));
  }
};

PngRows::PngRows(const std::filesystem::path& path, int width, int height)
    : state_(std::make_unique<State>(path, width, height)) {
  if (width <= 0 || height <= 0) throw Error(Failure::runtime, path.string() + ": empty picture");
  if (deflateInit(&state_->z, Z_DEFAULT_COMPRESSION) != Z_OK)
    throw Error(Failure::runtime, path.string() + ": zlib failed");
  std::string ihdr;
  put32(ihdr, static_cast<std::uint32_t>(width));
  put32(ihdr, static_cast<std::uint32_t>(height));
  ihdr += std::string("\x08\x02\x00\x00\x00", 5); // 8 bits, RGB, deflate, filter 0, no interlace
  state_->file.write(std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr));
}

PngRows::~PngRows() { deflateEnd(&state_->z); }

void PngRows::add(const Frame& band) {
  State& s = *state_;
  if (band.width() != s.width || s.rows + band.height() > s.height)
    throw Error(Failure::runtime, s.path.string() + ": rows do not fit the picture");
  const AVFrame* f = band.av();
  std::vector<unsigned char> line(1 + static_cast<std::size_t>(s.width) * 3);
  for (int y = 0; y < band.height(); ++y) {
    line[0] = 0; // filter: none
    const unsigned char* src = f->data[0] + static_cast<std::ptrdiff_t>(y) * f->linesize[0];
    std::copy(src, src + static_cast<std::ptrdiff_t>(s.width) * 3, line.begin() + 1);
    s.deflate_into_file(line.data(), line.size(), Z_NO_FLUSH);
  }
  s.rows += band.height();
}

void PngRows::commit() {
  State& s = *state_;
  if (s.rows != s.height) throw Error(Failure::runtime, s.path.string() + ": picture incomplete");
  s.deflate_into_file(nullptr, 0, Z_FINISH);
  s.file.write(chunk("IEND", {}));
  s.file.commit();
}

} // namespace shotchain::codecs
