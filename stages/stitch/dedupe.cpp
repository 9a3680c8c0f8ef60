#include "stages/stitch/dedupe.h"

#include <cstdio>

namespace shotchain::stitch {

JoinDecision decide_join(double psnr_first, std::optional<double> psnr_second) {
  char buf[160];
  if (psnr_first >= kNearIdenticalPsnr) {
    std::snprintf(buf, sizeof buf,
                  "first frame near-identical to the previous last (%.2f dB >= %.0f)", psnr_first,
                  kNearIdenticalPsnr);
    return {true, buf};
  }
  if (psnr_second && psnr_first >= kMatchFloorPsnr && psnr_first - *psnr_second >= kClearMarginDb) {
    std::snprintf(buf, sizeof buf,
                  "first frame matches the previous last clearly better than the second "
                  "(%.2f vs %.2f dB)",
                  psnr_first, *psnr_second);
    return {true, buf};
  }
  if (psnr_first < kMatchFloorPsnr)
    std::snprintf(buf, sizeof buf, "no match: first frame differs from the previous last (%.2f dB)",
                  psnr_first);
  else
    std::snprintf(buf, sizeof buf,
                  "ambiguous: first frame not clearly closer than the second (%.2f vs %.2f dB)",
                  psnr_first, psnr_second.value_or(0.0));
  return {false, buf};
}

} // namespace shotchain::stitch
