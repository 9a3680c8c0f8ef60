#include "tests/stitch/timeline_readers.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <numeric>
#include <sstream>

#include "tests/support/run.h"

namespace shotchain::test {

namespace {
Seconds reduced(std::int64_t num, std::int64_t den) {
  if (den < 0) num = -num, den = -den;
  const std::int64_t g = std::gcd(num < 0 ? -num : num, den);
  return g > 1 ? Seconds{num / g, den / g} : Seconds{num, den};
}
} // namespace

Seconds operator+(Seconds a, Seconds b) {
  const std::int64_t l = std::lcm(a.den, b.den);
  return reduced(a.num * (l / a.den) + b.num * (l / b.den), l);
}
Seconds operator-(Seconds a, Seconds b) { return a + Seconds{-b.num, b.den}; }
bool operator==(Seconds a, Seconds b) { return a.num * b.den == b.num * a.den; }
bool operator<=(Seconds a, Seconds b) { return a.num * b.den <= b.num * a.den; }
double to_double(Seconds s) { return static_cast<double>(s.num) / static_cast<double>(s.den); }

Seconds frames_at(std::int64_t frames, std::int64_t rate_num, std::int64_t rate_den) {
  return reduced(frames * rate_den, rate_num);
}

Seconds parse_fcp_time(const std::string& text) {
  EXPECT_TRUE(!text.empty() && text.back() == 's') << text;
  if (text.empty()) return {};
  return parse_ratio(text.substr(0, text.size() - 1));
}

Seconds parse_ratio(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return {std::stoll(text), 1};
  return reduced(std::stoll(text.substr(0, slash)), std::stoll(text.substr(slash + 1)));
}

std::filesystem::path fcpxml_dtd() {
  return std::filesystem::path(SHOTCHAIN_SOURCE_DIR) / ".." / "shared" / "data" / "fcpxml" /
         "FCPXMLv1_9.dtd";
}

std::vector<std::string> xpath_values(const std::filesystem::path& file, const std::string& xp) {
  auto r = run({"xmllint", "--xpath", xp, file.string()});
  EXPECT_EQ(r.exit_code, 0) << xp << ": " << r.err;
  // Output: ` name="value"` per attribute.
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = r.out.find("=\"", pos)) != std::string::npos) {
    auto end = r.out.find('"', pos + 2);
    if (end == std::string::npos) break;
    out.push_back(r.out.substr(pos + 2, end - pos - 2));
    pos = end + 1;
  }
  return out;
}

Edl parse_edl(const std::string& text) {
  Edl edl;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    edl.lines.push_back(line);
    if (line.rfind("TITLE: ", 0) == 0) {
      edl.title = line.substr(7);
    } else if (line.rfind("FCM: ", 0) == 0) {
      edl.fcm = line.substr(5);
    } else if (line.rfind("* ", 0) == 0) {
      EXPECT_FALSE(edl.events.empty()) << "comment before any event: " << line;
      if (!edl.events.empty()) edl.events.back().comments.push_back(line);
    } else if (line.size() > 3 && std::isdigit(static_cast<unsigned char>(line[0]))) {
      std::istringstream ls(line);
      std::vector<std::string> tok;
      for (std::string t; ls >> t;) tok.push_back(t);
      EXPECT_EQ(tok.size(), 8u) << line;
      if (tok.size() != 8) continue;
      edl.events.push_back({tok[0], tok[1], tok[2], tok[3], tok[4], tok[5], tok[6], tok[7], {}});
    }
  }
  return edl;
}

std::string edl_comment(const EdlEvent& event, const std::string& key) {
  const std::string prefix = "* " + key + ": ";
  for (const auto& c : event.comments)
    if (c.rfind(prefix, 0) == 0) return c.substr(prefix.size());
  return "";
}

std::int64_t timecode_frames(const std::string& tc, int nominal) {
  int h = 0, m = 0, s = 0, f = 0;
  char sep = 0;
  EXPECT_EQ(std::sscanf(tc.c_str(), "%d:%d:%d%c%d", &h, &m, &s, &sep, &f), 5) << tc;
  std::int64_t frames = ((h * 60LL + m) * 60 + s) * nominal + f;
  if (sep == ';') {
    const std::int64_t minutes = h * 60LL + m;
    frames -= (nominal / 15) * (minutes - minutes / 10);
  }
  return frames;
}

} // namespace shotchain::test
