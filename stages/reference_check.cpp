#include "stages/reference_check.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <system_error>
#include <vector>

#include "codecs/frame.h"
#include "codecs/image_file.h"
#include "codecs/stitch_support.h"
#include "codecs/types.h"
#include "codecs/video_conform.h"
#include "common/cpu_time.h"
#include "common/error.h"

namespace shotchain::stages {
namespace {

std::string lower_ext(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

std::string dims(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

// Size and codec from the PNG IHDR or the JPEG SOFn header, without decoding (and without
// depending on which demuxer would claim the file).
struct HeaderInfo {
  std::string codec;
  int width = 0;
  int height = 0;
};

std::optional<HeaderInfo> read_header(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<unsigned char> b(64 * 1024);
  in.read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(b.size()));
  b.resize(static_cast<std::size_t>(in.gcount()));
  auto be16 = [&](std::size_t i) { return (b[i] << 8) | b[i + 1]; };
  auto be32 = [&](std::size_t i) {
    return static_cast<long long>((static_cast<unsigned>(b[i]) << 24) | (b[i + 1] << 16) |
                                  (b[i + 2] << 8) | b[i + 3]);
  };
  static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (b.size() >= 24 && std::equal(png_sig, png_sig + 8, b.begin()) && b[12] == 'I' &&
      b[13] == 'H' && b[14] == 'D' && b[15] == 'R') {
    long long w = be32(16), h = be32(20);
    if (w <= 0 || h <= 0 || w > 1 << 20 || h > 1 << 20) return std::nullopt;
    return HeaderInfo{"png", static_cast<int>(w), static_cast<int>(h)};
  }
  if (b.size() < 4 || b[0] != 0xFF || b[1] != 0xD8) return std::nullopt;
  std::size_t i = 2;
  while (i + 1 < b.size()) {
    if (b[i] != 0xFF) return std::nullopt;
    while (i < b.size() && b[i] == 0xFF) ++i; // fill bytes
    if (i >= b.size()) break;
    unsigned char m = b[i++];
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue;
    if (m == 0xD9 || m == 0xDA) return std::nullopt; // no frame header before the scan
    if (i + 1 >= b.size()) break;
    std::size_t len = static_cast<std::size_t>(be16(i));
    bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (sof) {
      if (i + 6 >= b.size() || len < 7) return std::nullopt;
      int h = be16(i + 3), w = be16(i + 5);
      if (w <= 0 || h <= 0) return std::nullopt;
      return HeaderInfo{"mjpeg", w, h};
    }
    if (len < 2) return std::nullopt;
    i += len;
  }
  return std::nullopt;
}

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

} // namespace

bool aspect_in_range(int w, int h) {
  return w > 0 && h > 0 && 5LL * w > 2LL * h && 2LL * w < 5LL * h;
}

ReferenceFacts check_reference_image(const std::filesystem::path& image, const std::string& what) {
  MediaCpuScope media_cpu;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(image, ec))
    throw Error(Failure::bad_input, what + ": not a readable file");
  ReferenceFacts f;
  f.bytes = std::filesystem::file_size(image, ec);
  if (ec) throw Error(Failure::bad_input, what + ": cannot read: " + ec.message());
  std::string ext = lower_ext(image);
  if (ext != ".png" && ext != ".jpg" && ext != ".jpeg")
    throw Error(Failure::bad_input, what + ": must be a .png, .jpg or .jpeg file");
  if (f.bytes > kMaxImageBytes)
    throw Error(Failure::bad_input,
                what + ": " + std::to_string(f.bytes) + " bytes is over the service's 20 MB");
  auto header = read_header(image);
  if (!header) throw Error(Failure::bad_input, what + ": holds no PNG or JPEG image data");
  const HeaderInfo& info = *header;
  if ((info.codec == "png") != (ext == ".png"))
    throw Error(Failure::bad_input,
                what + ": the extension does not match its " + info.codec + " data");
  f.width = info.width;
  f.height = info.height;
  f.codec = info.codec;
  f.content_type = info.codec == "png" ? "image/png" : "image/jpeg";
  if (std::min(f.width, f.height) < kMinShortSide)
    throw Error(Failure::bad_input, what + ": " + dims(f.width, f.height) +
                                        " has a short side of 300 px or less (use --fit to "
                                        "scale it up)");
  if (!aspect_in_range(f.width, f.height))
    throw Error(Failure::bad_input, what + ": " + dims(f.width, f.height) +
                                        " is outside the aspect ratios 2:5 to 5:2 (use --fit "
                                        "pad or --fit crop)");
  return f;
}

void check_prompt(const std::string& prompt) {
  if (prompt.empty()) throw Error(Failure::bad_input, "--prompt: empty");
  auto n = utf8_length(prompt);
  if (n > kMaxPromptChars)
    throw Error(Failure::bad_input,
                "--prompt: " + std::to_string(n) + " characters; the service takes at most 2000");
}

void check_duration(int duration) {
  if (duration != 6 && duration != 10)
    throw Error(Failure::bad_input,
                "--duration: " + std::to_string(duration) + " is not 6 or 10 seconds");
}

void check_model_id(const std::string& model) {
  bool ok = !model.empty() && model.size() <= 200 && model.front() != '/' && model.back() != '/' &&
            model.find("..") == std::string::npos;
  for (unsigned char c : model)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/')) ok = false;
  if (!ok) throw Error(Failure::bad_input, "--model: '" + model + "' is not a model id");
}

void fitted_size(int w, int h, int& ow, int& oh) {
  ow = w;
  oh = h;
  // Just inside 2:5 .. 5:2: 12:5 = 2.4 and 5:12.
  if (5LL * ow >= 12LL * oh) oh = static_cast<int>((5LL * ow + 11) / 12);
  if (5LL * oh >= 12LL * ow) ow = static_cast<int>((5LL * oh + 11) / 12);
  // Short side at least 320 px (scale up, keeping the fitted aspect).
  int short_side = std::min(ow, oh);
  if (short_side < 320) {
    double s = 320.0 / short_side;
    ow = static_cast<int>(ow * s + 0.999);
    oh = static_cast<int>(oh * s + 0.999);
  }
  ow += ow & 1;
  oh += oh & 1;
}

std::filesystem::path prepare_reference(const std::filesystem::path& source, ReferenceFit fit,
                                        const std::filesystem::path& work_dir,
                                        const std::string& what) {
  MediaCpuScope media_cpu;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(source, ec))
    throw Error(Failure::bad_input, what + ": not a readable file");
  try {
    check_reference_image(source, what);
    return source;
  } catch (const Error&) {
    // Converted (and fitted) below; its own check runs on the result.
  }
  codecs::Frame picture;
  try {
    picture = codecs::read_image(source);
  } catch (const Error& e) {
    throw Error(Failure::bad_input, what + ": not a readable image or video (" + e.what() + ")");
  }
  int w = picture.width(), h = picture.height();
  bool in_range = aspect_in_range(w, h) && std::min(w, h) >= kMinShortSide;
  codecs::Frame out = std::move(picture);
  if (!in_range) {
    if (fit == ReferenceFit::none) {
      if (!aspect_in_range(w, h))
        throw Error(Failure::bad_input, what + ": " + dims(w, h) +
                                            " is outside the aspect ratios 2:5 to 5:2 (use "
                                            "--fit pad or --fit crop)");
      throw Error(Failure::bad_input,
                  what + ": " + dims(w, h) + " has a short side of 300 px or less (use --fit)");
    }
    int tw = 0, th = 0;
    if (fit == ReferenceFit::pad) {
      fitted_size(w, h, tw, th);
    } else {
      // Crop: trim the long side to 12:5 first, then scale up if still small.
      int cw = w, ch = h;
      if (5LL * cw >= 12LL * ch) cw = static_cast<int>(12LL * ch / 5);
      if (5LL * ch >= 12LL * cw) ch = static_cast<int>(12LL * cw / 5);
      fitted_size(cw, ch, tw, th);
    }
    codecs::ConformSettings cs;
    cs.width = tw;
    cs.height = th;
    cs.fit = fit == ReferenceFit::pad ? codecs::Fit::pad : codecs::Fit::crop;
    cs.pixel_format = codecs::rgb_canvas(2, 2, 0, 0, 0).pixel_format(); // 8-bit RGB
    cs.colorspace = 1;
    codecs::VideoConformer conformer(cs);
    out = conformer.convert(out);
  }
  std::filesystem::create_directories(work_dir, ec);
  auto png = work_dir / (source.stem().string() + ".ref.png");
  codecs::write_image(out, png);
  check_reference_image(png, what + " (converted to " + png.filename().string() + ")");
  return png;
}

} // namespace shotchain::stages
