#pragma once
// Helpers shared by the media tests (frame, convert, probe): PSNR between two pictures as
// measured by ffmpeg (an independent oracle).
#include <cmath>
#include <string>

#include "tests/support/run.h"

namespace shotchain::test {

// PSNR (dB, RGB24) of two images or the first frames of two files; 1000 when identical,
// -1 when ffmpeg could not compare them.
inline double psnr_rgb(const std::string& a, const std::string& b) {
  auto r = run({"ffmpeg", "-hide_banner", "-nostats", "-i", a, "-i", b, "-lavfi",
                "[0:v]format=rgb24[x];[1:v]format=rgb24[y];[x][y]psnr", "-frames:v", "1", "-f",
                "null", "-"});
  auto pos = r.err.find("average:");
  if (pos == std::string::npos) return -1;
  std::string v = r.err.substr(pos + 8, r.err.find(' ', pos) - pos - 8);
  if (v.rfind("inf", 0) == 0) return 1000;
  return std::stod(v);
}

// Lines in `s` (to check "one line on stderr").
inline int line_count(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  if (!s.empty() && s.back() != '\n') ++n;
  return n;
}

} // namespace shotchain::test
