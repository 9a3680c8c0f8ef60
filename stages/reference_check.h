#pragma once
// Pre-flight of a generation, before anything is uploaded or paid for: the reference (and end)
// image as the service accepts it (JPG/JPEG/PNG data, short side over 300 px, aspect strictly
// between 2:5 and 5:2, at most 20 MB), the prompt (at most 2000 characters), the duration
// (6 or 10), the model id, and "an end image needs a first image". prepare_reference() turns
// anything else codecs can read (another image format, a video's first frame) into a PNG, and
// with a fit (pad or crop) makes an out-of-range aspect (or a too small picture) valid.
// All failures are Error(Failure::bad_input) naming the file or field.
#include <cstdint>
#include <filesystem>
#include <string>

namespace shotchain::stages {

inline constexpr int kMinShortSide = 301;                  // "short side greater than 300 px"
inline constexpr std::uint64_t kMaxImageBytes = 20u << 20; // 20 MB
inline constexpr std::size_t kMaxPromptChars = 2000;

enum class ReferenceFit { none, pad, crop };

struct ReferenceFacts {
  int width = 0;
  int height = 0;
  std::string codec; // "png" or "mjpeg"
  std::uint64_t bytes = 0;
  std::string content_type; // "image/png" or "image/jpeg"
};

// True when w:h lies strictly between 2:5 and 5:2.
bool aspect_in_range(int width, int height);

// Checks a file the service will receive as is. `what` names it in messages.
ReferenceFacts check_reference_image(const std::filesystem::path& image, const std::string& what);

// Prompt length in characters (UTF-8 code points), at most 2000, not empty.
void check_prompt(const std::string& prompt);
void check_duration(int duration);
// "owner/name[/variant]": letters, digits, '-', '_', '.', '/'; no spaces.
void check_model_id(const std::string& model);

// Returns `source` when it already passes check_reference_image; otherwise decodes it (any
// still image, or a video's first frame), applies `fit` when the aspect or size is out of range
// and writes `<work_dir>/<stem>.ref.png` (atomically), which it checks and returns. Without a
// fit an out-of-range picture is refused.
std::filesystem::path prepare_reference(const std::filesystem::path& source, ReferenceFit fit,
                                        const std::filesystem::path& work_dir,
                                        const std::string& what);

// The target size a fit produces for a w x h picture: aspect clamped to 12:5 .. 5:12 (just
// inside the service's range), short side at least 320 px.
void fitted_size(int width, int height, int& out_width, int& out_height);

} // namespace shotchain::stages
