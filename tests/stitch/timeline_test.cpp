// The timeline writers: FCPXML is well-formed XML (xmllint) whose clip durations add up to the
// sequence; OTIO parses as JSON with the same property; the EDL has 8-character reels, full
// names in comments and 25 fps record timecode from 01:00:00:00.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "common/error.h"
#include "stages/timeline/timeline.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

namespace tl = shotchain::timeline;
using shotchain::test::read_file;
using shotchain::test::run;
using shotchain::test::TempDir;

namespace {

tl::Sequence sample(const std::filesystem::path& dir) {
  tl::Sequence s;
  s.name = "demo & <test>";
  s.width = 1366;
  s.height = 768;
  s.has_audio = true;
  s.clips.push_back({"harbor_dolly_segment_01",
                     dir / "harbor_dolly_segment_01.mp4",
                     150,
                     0,
                     150,
                     false,
                     {{"prompt", "slow dolly \"forward\""}, {"model", "m/x"}},
                     0});
  s.clips.push_back(
      {"harbor_dolly_segment_02", dir / "harbor_dolly_segment_02.mp4", 150, 1, 150, true, {}, 0});
  // Camera footage with its own timecode, 10:00:00:00: source points count from it.
  s.clips.push_back({"face", dir / "face shot.mov", 250, 0, 250, false, {}, 10 * 3600 * 25});
  return s;
}

// "3600s" or "149/25s" -> seconds as a fraction a/b, compared as doubles with exact frames.
double fcp_seconds(const std::string& t) {
  EXPECT_FALSE(t.empty());
  EXPECT_EQ(t.back(), 's') << t;
  auto body = t.substr(0, t.size() - 1);
  auto slash = body.find('/');
  if (slash == std::string::npos) return std::stod(body);
  return std::stod(body.substr(0, slash)) / std::stod(body.substr(slash + 1));
}

std::vector<std::string> xpath_values(const std::filesystem::path& file, const std::string& xp) {
  auto r = run({"xmllint", "--xpath", xp, file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
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

} // namespace

TEST(Timecode, TwentyFiveFpsFromOneHour) {
  EXPECT_EQ(tl::timecode(90000, {25, 1}), "01:00:00:00");
  EXPECT_EQ(tl::timecode(90000 + 149, {25, 1}), "01:00:05:24");
  EXPECT_EQ(tl::timecode(30, {30000, 1001}), "00:00:01:00");
}

TEST(Timeline, FcpxmlIsWellFormedAndAddsUp) {
  TempDir dir;
  auto seq = sample(dir.path());
  auto file = dir / "seq.fcpxml";
  tl::write_text_file(file, tl::to_fcpxml(seq));
  auto lint = run({"xmllint", "--noout", file.string()});
  ASSERT_EQ(lint.exit_code, 0) << lint.err;
  EXPECT_EQ(xpath_values(file, "/fcpxml/@version").at(0), "1.9");

  auto seq_duration = fcp_seconds(xpath_values(file, "//sequence/@duration").at(0));
  EXPECT_DOUBLE_EQ(seq_duration, (150 + 149 + 250) / 25.0);
  EXPECT_DOUBLE_EQ(fcp_seconds(xpath_values(file, "//sequence/@tcStart").at(0)), 3600.0);
  auto durations = xpath_values(file, "//spine/asset-clip/@duration");
  auto offsets = xpath_values(file, "//spine/asset-clip/@offset");
  auto starts = xpath_values(file, "//spine/asset-clip/@start");
  ASSERT_EQ(durations.size(), 3u);
  double sum = 0, expected_offset = 3600.0;
  for (std::size_t i = 0; i < durations.size(); ++i) {
    EXPECT_DOUBLE_EQ(fcp_seconds(offsets[i]), expected_offset) << i;
    expected_offset += fcp_seconds(durations[i]);
    sum += fcp_seconds(durations[i]);
  }
  EXPECT_DOUBLE_EQ(sum, seq_duration);
  EXPECT_DOUBLE_EQ(fcp_seconds(starts[1]), 1 / 25.0); // the dropped join frame
  EXPECT_DOUBLE_EQ(fcp_seconds(starts[2]), 36000.0);  // the clip's own timecode
  EXPECT_DOUBLE_EQ(fcp_seconds(xpath_values(file, "//asset[@id='r4']/@start").at(0)), 36000.0);
  auto srcs = xpath_values(file, "//media-rep/@src");
  ASSERT_EQ(srcs.size(), 3u);
  EXPECT_NE(srcs[2].find("face%20shot.mov"), std::string::npos) << srcs[2];
  EXPECT_EQ(srcs[0].rfind("file:///", 0), 0u);
}

TEST(Timeline, OtioParsesAndAddsUp) {
  TempDir dir;
  auto seq = sample(dir.path());
  auto file = dir / "seq.otio";
  tl::write_text_file(file, tl::to_otio(seq));
  rapidjson::Document doc;
  auto text = read_file(file);
  ASSERT_FALSE(doc.Parse(text.c_str()).HasParseError());
  EXPECT_STREQ(doc["OTIO_SCHEMA"].GetString(), "Timeline.1");
  EXPECT_DOUBLE_EQ(doc["global_start_time"]["value"].GetDouble(), 90000.0);
  const auto& tracks = doc["tracks"]["children"];
  ASSERT_EQ(tracks.Size(), 2u); // video and audio
  for (const auto& track : tracks.GetArray()) {
    double total = 0;
    for (const auto& item : track["children"].GetArray()) {
      EXPECT_DOUBLE_EQ(item["source_range"]["duration"]["rate"].GetDouble(), 25.0);
      total += item["source_range"]["duration"]["value"].GetDouble();
    }
    EXPECT_DOUBLE_EQ(total, 549.0) << track["kind"].GetString();
  }
  const auto& clip1 = tracks[0]["children"][1];
  EXPECT_DOUBLE_EQ(clip1["source_range"]["start_time"]["value"].GetDouble(), 1.0);
  EXPECT_DOUBLE_EQ(clip1["media_reference"]["available_range"]["duration"]["value"].GetDouble(),
                   150.0);
  const auto& camera = tracks[0]["children"][2];
  EXPECT_DOUBLE_EQ(camera["source_range"]["start_time"]["value"].GetDouble(), 900000.0);
  EXPECT_DOUBLE_EQ(camera["media_reference"]["available_range"]["start_time"]["value"].GetDouble(),
                   900000.0);
  EXPECT_STREQ(tracks[0]["children"][0]["metadata"]["shotchain"]["prompt"].GetString(),
               "slow dolly \"forward\"");
  // Clips without audio are gaps on the audio track.
  EXPECT_STREQ(tracks[1]["children"][0]["OTIO_SCHEMA"].GetString(), "Gap.1");
  EXPECT_STREQ(tracks[1]["children"][1]["OTIO_SCHEMA"].GetString(), "Clip.1");
}

TEST(Timeline, EdlReelsAndTimecode) {
  TempDir dir;
  auto seq = sample(dir.path());
  auto text = tl::to_edl(seq);
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  // An event line: NNN  REEL TRACK C SRC_IN SRC_OUT REC_IN REC_OUT (fixed columns).
  auto is_tc = [](const std::string& t) {
    if (t.size() != 11) return false;
    for (std::size_t i = 0; i < t.size(); ++i)
      if (i % 3 == 2 ? t[i] != ':' : !std::isdigit(static_cast<unsigned char>(t[i]))) return false;
    return true;
  };
  std::vector<std::string> reels, rec_in, rec_out, src_in;
  for (const auto& l : lines) {
    std::istringstream ls(l);
    std::vector<std::string> tok;
    for (std::string t; ls >> t;) tok.push_back(t);
    if (tok.size() != 8 || tok[0].size() != 3 ||
        !std::isdigit(static_cast<unsigned char>(tok[0][0])))
      continue;
    EXPECT_EQ(l.substr(3, 2), "  ") << l;
    EXPECT_TRUE(tok[2] == "V" || tok[2] == "AA/V") << l;
    EXPECT_EQ(tok[3], "C") << l;
    for (int k = 4; k < 8; ++k) EXPECT_TRUE(is_tc(tok[k])) << l;
    reels.push_back(tok[1]);
    src_in.push_back(tok[4]);
    rec_in.push_back(tok[6]);
    rec_out.push_back(tok[7]);
  }
  ASSERT_EQ(reels.size(), 3u) << text;
  EXPECT_EQ(lines[0], "TITLE: demo & <test>");
  EXPECT_EQ(lines[1], "FCM: NON-DROP FRAME");
  for (const auto& r : reels) EXPECT_LE(r.size(), 8u);
  EXPECT_NE(reels[0], reels[1]); // distinct sources keep distinct reels after truncation
  EXPECT_EQ(rec_in[0], "01:00:00:00");
  EXPECT_EQ(rec_out[0], "01:00:06:00");
  EXPECT_EQ(rec_in[1], "01:00:06:00");
  EXPECT_EQ(src_in[1], "00:00:00:01");
  EXPECT_EQ(src_in[2], "10:00:00:00");  // the camera clip's own timecode
  EXPECT_EQ(rec_out[2], "01:00:21:24"); // 549 frames = 21 s 24 f
  EXPECT_NE(text.find("* FROM CLIP NAME: harbor_dolly_segment_02"), std::string::npos);
  EXPECT_NE(text.find("* SOURCE FILE: " + (dir / "face shot.mov").string()), std::string::npos);
}

TEST(Timeline, ReelNamesUniqueAndShort) {
  std::vector<tl::Entry> e;
  for (int i = 0; i < 12; ++i)
    e.push_back({"x", "/tmp/verylongname_" + std::to_string(i) + ".mp4", 1, 0, 1, false, {}, 0});
  e.push_back({"x", "/tmp/verylongname_0.mp4", 1, 0, 1, false, {}}); // same source again
  auto reels = tl::reel_names(e);
  std::set<std::string> unique(reels.begin(), reels.end() - 1);
  EXPECT_EQ(unique.size(), 12u);
  EXPECT_EQ(reels.back(), reels.front());
  for (const auto& r : reels) {
    EXPECT_LE(r.size(), 8u);
    for (char c : r)
      EXPECT_TRUE(std::isupper(static_cast<unsigned char>(c)) ||
                  std::isdigit(static_cast<unsigned char>(c)) || c == '_')
          << r;
  }
}

TEST(Timeline, WriteTextFileLeavesNothingOnFailure) {
  TempDir dir;
  EXPECT_THROW(tl::write_text_file(dir / "missing" / "x.edl", "x"), shotchain::Error);
  EXPECT_EQ(shotchain::test::list_dir(dir.path()), "");
}
