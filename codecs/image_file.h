#pragma once
// Still images: write a decoded frame as PNG (8-bit RGB) or JPEG (quality 1-100), converting
// from any pixel format/colour matrix (BT.709 output); read a still image (PNG, JPEG, BMP,
// TIFF, WebP, GIF's first frame) into a frame. Writes go to a temporary name and are renamed
// into place, so a failure leaves nothing behind.
#include <filesystem>
#include <string>

#include "codecs/frame.h"
#include "codecs/types.h"

namespace shotchain::codecs {

enum class ImageFormat { png, jpeg };
// By extension: .png, .jpg/.jpeg; nullopt otherwise.
std::optional<ImageFormat> image_format_for_path(std::string_view path);

struct ImageWriteOptions {
  int jpeg_quality = 90; // 1 (worst) .. 100 (best)
  int rotation = 0;      // clockwise degrees applied before writing
};

// Writes `frame` (any pixel format) to `path`; the format comes from the extension.
// Throws Error(bad_input) naming the path for an unknown extension or a missing folder.
void write_image(const Frame& frame, const std::filesystem::path& path,
                 const ImageWriteOptions& options = {});

// Decodes the first picture of a still image (or any video file's first frame).
Frame read_image(const std::filesystem::path& path);

struct ImageInfo {
  int width = 0;
  int height = 0;
  std::string codec; // "png", "mjpeg", "webp", ...
};
// Size and codec of a still image without decoding it; throws bad_input when not an image.
ImageInfo image_info(const std::filesystem::path& path);

// Re-encodes any still image as PNG at `png_path` (same size).
void convert_image_to_png(const std::filesystem::path& src, const std::filesystem::path& png_path);

} // namespace shotchain::codecs
