// Frame extraction from hostile footage (`shotchain frame`, reference frames, chained shots):
// the last frame, the frame at a time, a frame number, the sharpest frame near a time. The
// first bytes pick the request (and whether the frame is also written as PNG); the rest is
// the file, written to a temp path. Any bytes give a frame or one Error naming the file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "stages/frame_extract.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shotchain;
  fuzz::Steer in(std::string_view(reinterpret_cast<const char*>(data), size));
  unsigned kind = in.byte();
  unsigned amount = in.byte();
  bool to_png = (kind & 0x80) != 0;
  stages::FrameRequest request;
  switch (kind % 4) {
    case 0:
      request.kind = stages::FrameRequest::Kind::last;
      break;
    case 1:
      request.kind = stages::FrameRequest::Kind::at;
      break;
    case 2:
      request.kind = stages::FrameRequest::Kind::index;
      request.index = amount;
      break;
    default:
      request.kind = stages::FrameRequest::Kind::best_near;
      request.window = 0.04 + amount / 64.0;
      break;
  }
  if (request.kind == stages::FrameRequest::Kind::at ||
      request.kind == stages::FrameRequest::Kind::best_near) {
    // A TIME as a user would type it, through the one TIME parser.
    std::string text = std::to_string(amount / 50) + "." + std::to_string(amount % 50 * 2);
    if (kind & 0x40)
      text = "00:00:0" + std::to_string(amount % 10) + ":" + std::to_string(amount % 25);
    auto time = stages::parse_time(text);
    fuzz::require(time.has_value(), "a well-formed TIME parses");
    request.time = *time;
  }
  auto path = fuzz::write_scratch("footage", in.rest());
  try {
    if (to_png)
      (void)stages::extract_frame_to_image(path, request, fuzz::scratch_dir() / "frame.png");
    else
      (void)stages::extract_frame(path, request);
  } catch (const Error& e) {
    fuzz::require(std::string(e.what()).find(path.string()) != std::string::npos,
                  "the error names the file");
  }
  return 0;
}
