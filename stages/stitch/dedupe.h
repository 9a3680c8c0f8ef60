#pragma once
// The join-dedupe decision: does clip N+1 start on the frame clip N ended on? Decided from
// two measurements (luma PSNR of clip N's last frame against clip N+1's first and second
// frames), never assumed. Pure logic, no media access.
#include <optional>
#include <string>

namespace shotchain::stitch {

struct JoinDecision {
  bool drop = false;
  std::string reason;
};

// Above this the first frame is a re-encoding of the same picture.
inline constexpr double kNearIdenticalPsnr = 40.0;
// "Clearly better": the first frame must match at least this well ...
inline constexpr double kMatchFloorPsnr = 28.0;
// ... and beat the second frame by this margin.
inline constexpr double kClearMarginDb = 2.0;

// `psnr_second` is empty when clip N+1 has a single frame.
JoinDecision decide_join(double psnr_first, std::optional<double> psnr_second);

} // namespace shotchain::stitch
