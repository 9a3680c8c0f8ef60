#pragma once
// A PNG (8-bit RGB) written band by band as its rows are made, so a tall picture (a contact
// sheet of hundreds of shots) never exists whole in memory: FFmpeg's PNG encoder needs the
// whole frame. zlib compresses; the file appears at commit() (common/atomic_file).
#include <cstdint>
#include <filesystem>
#include <memory>

namespace shotchain::codecs {

class Frame;

class PngRows {
 public:
  // Throws Error(runtime) naming the file when it cannot be created.
  PngRows(const std::filesystem::path& path, int width, int height);
  ~PngRows();
  PngRows(const PngRows&) = delete;
  PngRows& operator=(const PngRows&) = delete;
  // The next rows: an RGB24 frame `width` wide, all of its rows.
  void add(const Frame& band);
  // Once all `height` rows are added: the file is complete and in place.
  void commit();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

} // namespace shotchain::codecs
