// The timeline writers on a described sequence (no media): timecode (drop-frame included),
// the source range arithmetic, FCPXML valid by Apple's DTD with one format per media format,
// OTIO whose tracks add up with ranges in each media's own rate, an EDL with linked media
// comments in 7-bit ASCII and unique 8-character reels.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cctype>
#include <set>

#include "common/atomic_file.h"
#include "common/error.h"
#include "stages/timeline/timeline.h"
#include "tests/stitch/timeline_readers.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

namespace tl = shotchain::timeline;
namespace t = shotchain::test;
using t::Seconds;

namespace {

constexpr tl::Rate k25{25, 1};
constexpr tl::Rate kNtsc{30000, 1001};

tl::Media media(const std::filesystem::path& path, tl::Rate rate, std::int64_t frames, int w,
                int h) {
  tl::Media m;
  m.path = path;
  m.rate = rate;
  m.frames = frames;
  m.width = w;
  m.height = h;
  m.colour_primaries = m.colour_transfer = m.colour_matrix = 1;
  return m;
}

// Two generated 25 fps clips (the second's first frame dropped at the join) and camera
// footage at 29.97 with drop-frame timecode 10:00:00;00, in a 25 fps sequence with audio.
tl::Sequence sample(const std::filesystem::path& dir) {
  tl::Sequence s;
  s.name = "demo & <test>";
  s.rate = k25;
  s.width = 1366;
  s.height = 768;
  s.has_audio = true;
  tl::Event a{"harbor_dolly_segment_01",
              media(dir / "harbor_dolly_segment_01.mp4", k25, 150, 1280, 720),
              0,
              150,
              {{"prompt", "slow dolly \"forward\""}, {"model", "m/x"}}};
  tl::Event b{
      "café #2 100%", media(dir / "harbor_dolly_segment_02.mp4", k25, 150, 1280, 720), 1, 149, {}};
  b.media.has_audio = true;
  b.media.audio_channels = 2;
  b.media.audio_rate = 48000;
  tl::Event c{"face", media(dir / "face shot.mov", kNtsc, 180, 1920, 1080), 0, 0, {}};
  c.media.start = tl::timecode_frame(10, 0, 0, 0, kNtsc, true);
  c.media.drop_frame = true;
  c.length = tl::frames_within(c.media.frames, kNtsc, k25);
  s.events = {a, b, c};
  return s;
}

std::vector<Seconds> times(const std::filesystem::path& file, const std::string& xp) {
  std::vector<Seconds> out;
  for (const auto& v : t::xpath_values(file, xp)) out.push_back(t::parse_fcp_time(v));
  return out;
}

bool ascii_only(const std::string& text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) > 0x7E || (static_cast<unsigned char>(c) < 0x20 && c != '\n'))
      return false;
  return true;
}

} // namespace

TEST(Timecode, NonDropAndDropFrame) {
  EXPECT_EQ(tl::timecode(90000, k25), "01:00:00:00");
  EXPECT_EQ(tl::timecode(90000 + 149, k25), "01:00:05:24");
  EXPECT_EQ(tl::timecode(30, kNtsc, false), "00:00:01:00");
  // Drop-frame: frame numbers 00 and 01 do not exist at each minute but every tenth.
  EXPECT_EQ(tl::timecode(1799, kNtsc), "00:00:59;29");
  EXPECT_EQ(tl::timecode(1800, kNtsc), "00:01:00;02");
  EXPECT_EQ(tl::timecode(17982, kNtsc), "00:10:00;00");
  EXPECT_EQ(tl::timecode(107892, kNtsc), "01:00:00;00");
  EXPECT_EQ(tl::timecode(3600, {60000, 1001}), "00:01:00;04");
  EXPECT_EQ(tl::timecode_frame(1, 0, 0, 0, kNtsc, true), 107892);
  EXPECT_EQ(tl::timecode_frame(1, 0, 0, 0, {60000, 1001}, true), 215784);
  // Every frame of 11 minutes reads back to itself, at 29.97 and 59.94.
  for (tl::Rate r : {kNtsc, tl::Rate{60000, 1001}})
    for (std::int64_t f = 0; f < 11 * 60 * r.nominal(); f += 7) {
      const std::string tc = tl::timecode(f, r);
      ASSERT_EQ(t::timecode_frames(tc, r.nominal()), f) << tc;
    }
  tl::Sequence df;
  df.rate = kNtsc;
  EXPECT_EQ(tl::timecode(df.start(), df.rate), "01:00:00;00");
}

TEST(Timeline, MediaRateSnapsVariableRateFootage) {
  EXPECT_EQ(tl::media_rate({2997, 100}), kNtsc);
  EXPECT_EQ(tl::media_rate({180000, 6011}), kNtsc); // 29.945 fps phone footage
  EXPECT_EQ(tl::media_rate({24, 1}), (tl::Rate{24, 1}));
  EXPECT_EQ(tl::media_rate({24000, 1001}), (tl::Rate{24000, 1001}));
  EXPECT_EQ(tl::media_rate({15, 1}), (tl::Rate{15, 1})); // far from any standard rate
}

TEST(Timeline, SourceRangesRoundInward) {
  // 6 s of 25 fps media in a 29.97 sequence: 179 sequence frames fit, 180 would not.
  EXPECT_EQ(tl::frames_within(150, k25, kNtsc), 179);
  tl::Event e{"x", media("/m.mp4", k25, 150, 64, 36), 0, 179, {}};
  EXPECT_TRUE(tl::within_media(e, kNtsc));
  EXPECT_EQ(tl::source_out(e, kNtsc), 149); // 179 * 1001/30000 s = 149.3 frames, down
  e.length = 180;
  EXPECT_FALSE(tl::within_media(e, kNtsc));
  e.length = 178;
  e.source_in = 1;
  EXPECT_TRUE(tl::within_media(e, kNtsc));
  e.source_in = 2;
  EXPECT_FALSE(tl::within_media(e, kNtsc));
  // Equal rates: frame for frame.
  EXPECT_EQ(tl::frames_within(150, k25, k25), 150);
}

TEST(Timeline, FcpxmlValidAgainstTheDtdWithOneFormatPerMediaFormat) {
  const auto dtd = t::fcpxml_dtd();
  ASSERT_TRUE(std::filesystem::exists(dtd)) << dtd << " is missing (shared/data beside the tree)";
  t::TempDir dir;
  auto seq = sample(dir.path());
  auto file = dir / "seq.fcpxml";
  shotchain::write_file_atomic(file, tl::to_fcpxml(seq));
  auto lint = t::run({"xmllint", "--noout", "--dtdvalid", dtd.string(), file.string()});
  ASSERT_EQ(lint.exit_code, 0) << lint.err;

  // The sequence's format, then one per media format (the two 25 fps clips share one).
  EXPECT_EQ(t::xpath_values(file, "//format/@id").size(), 3u);
  EXPECT_EQ(t::xpath_values(file, "//format/@frameDuration"),
            (std::vector<std::string>{"1/25s", "1/25s", "1001/30000s"}));
  EXPECT_EQ(t::xpath_values(file, "//format/@width"),
            (std::vector<std::string>{"1366", "1280", "1920"}));
  EXPECT_EQ(t::xpath_values(file, "//format[@id='r3']/@colorSpace").at(0), "1-1-1 (Rec. 709)");
  EXPECT_EQ(t::xpath_values(file, "//sequence/@format").at(0), "r1");
  EXPECT_EQ(t::xpath_values(file, "//asset/@format"), (std::vector<std::string>{"r2", "r2", "r3"}));
  EXPECT_EQ(t::xpath_values(file, "//asset/@hasAudio"), (std::vector<std::string>{"0", "1", "0"}));
  EXPECT_EQ(t::xpath_values(file, "//asset[@hasAudio='1']/@audioChannels").at(0), "2");
  EXPECT_EQ(t::xpath_values(file, "//asset[@hasAudio='1']/@audioRate").at(0), "48000");
  EXPECT_EQ(t::xpath_values(file, "//sequence/@audioRate").at(0), "48k"); // the DTD's name

  const Seconds length = t::frames_at(seq.frames(), 25, 1);
  EXPECT_EQ(times(file, "//sequence/@duration").at(0), length);
  EXPECT_EQ(times(file, "//sequence/@tcStart").at(0), (Seconds{3600, 1}));
  const auto offsets = times(file, "//spine/asset-clip/@offset");
  const auto durations = times(file, "//spine/asset-clip/@duration");
  const auto starts = times(file, "//spine/asset-clip/@start");
  const auto asset_starts = times(file, "//asset/@start");
  const auto asset_durations = times(file, "//asset/@duration");
  ASSERT_EQ(durations.size(), 3u);
  Seconds at{3600, 1};
  for (std::size_t i = 0; i < durations.size(); ++i) {
    EXPECT_EQ(offsets[i], at) << i;
    at = at + durations[i];
    // Within its media: from the asset's start to its end.
    EXPECT_TRUE(asset_starts[i] <= starts[i]) << i;
    EXPECT_TRUE(starts[i] + durations[i] <= asset_starts[i] + asset_durations[i]) << i;
  }
  EXPECT_EQ(at - Seconds({3600, 1}), length);
  EXPECT_EQ(starts[1], (Seconds{1, 25}));                         // the dropped join frame
  EXPECT_EQ(asset_starts[2], t::frames_at(1078920, 30000, 1001)); // 10:00:00;00 at 29.97
  EXPECT_EQ(asset_durations[2], t::frames_at(180, 30000, 1001));  // in the media's own rate
  EXPECT_EQ(t::xpath_values(file, "//asset-clip/@tcFormat"),
            (std::vector<std::string>{"NDF", "NDF", "DF"}));
  const auto srcs = t::xpath_values(file, "//media-rep/@src");
  ASSERT_EQ(srcs.size(), 3u);
  EXPECT_NE(srcs[2].find("face%20shot.mov"), std::string::npos) << srcs[2];
  EXPECT_EQ(srcs[0].rfind("file:///", 0), 0u);
}

TEST(Timeline, OtioRangesInEachMediasOwnRate) {
  t::TempDir dir;
  auto seq = sample(dir.path());
  rapidjson::Document doc;
  const std::string text = tl::to_otio(seq);
  ASSERT_FALSE(doc.Parse(text.c_str()).HasParseError());
  EXPECT_STREQ(doc["OTIO_SCHEMA"].GetString(), "Timeline.1");
  EXPECT_DOUBLE_EQ(doc["global_start_time"]["value"].GetDouble(), 90000.0);
  EXPECT_DOUBLE_EQ(doc["global_start_time"]["rate"].GetDouble(), 25.0);
  const auto& tracks = doc["tracks"]["children"];
  ASSERT_EQ(tracks.Size(), 2u); // video and audio
  for (const auto& track : tracks.GetArray()) {
    double total = 0;
    for (const auto& item : track["children"].GetArray()) {
      EXPECT_DOUBLE_EQ(item["source_range"]["duration"]["rate"].GetDouble(), 25.0);
      total += item["source_range"]["duration"]["value"].GetDouble();
    }
    EXPECT_DOUBLE_EQ(total, static_cast<double>(seq.frames())) << track["kind"].GetString();
  }
  const auto& clip1 = tracks[0]["children"][1];
  EXPECT_DOUBLE_EQ(clip1["source_range"]["start_time"]["value"].GetDouble(), 1.0);
  EXPECT_DOUBLE_EQ(clip1["media_reference"]["available_range"]["duration"]["value"].GetDouble(),
                   150.0);
  const auto& camera = tracks[0]["children"][2];
  const auto& range = camera["source_range"];
  const auto& available = camera["media_reference"]["available_range"];
  EXPECT_DOUBLE_EQ(range["start_time"]["value"].GetDouble(), 1078920.0);
  EXPECT_DOUBLE_EQ(range["start_time"]["rate"].GetDouble(), 30000.0 / 1001);
  EXPECT_DOUBLE_EQ(available["start_time"]["value"].GetDouble(), 1078920.0);
  EXPECT_DOUBLE_EQ(available["duration"]["value"].GetDouble(), 180.0);
  EXPECT_DOUBLE_EQ(available["duration"]["rate"].GetDouble(), 30000.0 / 1001);
  // The used range ends inside the available one.
  const double end = range["start_time"]["value"].GetDouble() / (30000.0 / 1001) +
                     range["duration"]["value"].GetDouble() / 25.0;
  const double available_end = (1078920.0 + 180.0) / (30000.0 / 1001);
  EXPECT_LE(end, available_end + 1e-9);
  EXPECT_STREQ(tracks[0]["children"][0]["metadata"]["shotchain"]["prompt"].GetString(),
               "slow dolly \"forward\"");
  // Clips without audio are gaps on the audio track.
  EXPECT_STREQ(tracks[1]["children"][0]["OTIO_SCHEMA"].GetString(), "Gap.1");
  EXPECT_STREQ(tracks[1]["children"][1]["OTIO_SCHEMA"].GetString(), "Clip.1");
}

TEST(Timeline, EdlLinksMediaInAsciiWithSourceTimecodeOfEachMedia) {
  t::TempDir dir;
  auto seq = sample(dir.path());
  const std::string text = tl::to_edl(seq);
  EXPECT_TRUE(ascii_only(text)) << text;
  const auto edl = t::parse_edl(text);
  ASSERT_EQ(edl.events.size(), 3u) << text;
  EXPECT_EQ(edl.title, "demo & <test>");
  EXPECT_EQ(edl.fcm, "NON-DROP FRAME");
  for (const auto& e : edl.events) {
    EXPECT_LE(e.reel.size(), 8u);
    EXPECT_EQ(e.transition, "C");
  }
  EXPECT_NE(edl.events[0].reel, edl.events[1].reel); // distinct after truncation
  EXPECT_EQ(edl.events[0].channels, "V");
  EXPECT_EQ(edl.events[1].channels, "AA/V");
  EXPECT_EQ(edl.events[0].record_in, "01:00:00:00");
  EXPECT_EQ(edl.events[0].record_out, "01:00:06:00");
  EXPECT_EQ(edl.events[1].record_in, "01:00:06:00");
  EXPECT_EQ(edl.events[1].source_in, "00:00:00:01");
  EXPECT_EQ(edl.events[1].source_out, "00:00:06:00");
  // The camera clip at its own rate and drop-frame timecode: 150 frames at 25 fps are
  // 179.8 frames at 29.97, of which 179 whole ones.
  EXPECT_EQ(edl.events[2].source_in, "10:00:00;00");
  EXPECT_EQ(edl.events[2].source_out, "10:00:05;29");
  EXPECT_EQ(edl.events[2].record_out, "01:00:17:24"); // 449 frames
  EXPECT_EQ(t::edl_comment(edl.events[1], "FROM CLIP NAME"), "caf%C3%A9 #2 100%25");
  EXPECT_EQ(t::edl_comment(edl.events[2], "FROM CLIP"), tl::file_url(dir / "face shot.mov"));
  EXPECT_EQ(t::edl_comment(edl.events[2], "SOURCE FILE"), (dir / "face shot.mov").string());

  seq.rate = kNtsc; // a 29.97 sequence counts its record timecode drop-frame
  const auto df = t::parse_edl(tl::to_edl(seq));
  EXPECT_EQ(df.fcm, "DROP FRAME");
  EXPECT_EQ(df.events.at(0).record_in, "01:00:00;00");
  EXPECT_EQ(df.events.at(0).source_in, "00:00:00:00"); // 25 fps media keeps its own count
}

TEST(Timeline, AsciiEscapeIsReversibleAndSevenBit) {
  EXPECT_EQ(tl::ascii_escape("plain name_1.mov"), "plain name_1.mov");
  EXPECT_EQ(tl::ascii_escape("50% #1"), "50%25 #1");
  EXPECT_EQ(tl::ascii_escape("caf\xC3\xA9\n"), "caf%C3%A9%0A");
}

TEST(Timeline, ReelNamesUniqueAndShort) {
  std::vector<std::filesystem::path> sources;
  for (int i = 0; i < 12; ++i) sources.push_back("/tmp/verylongname_" + std::to_string(i) + ".mp4");
  sources.push_back("/tmp/\xC3\xA9t\xC3\xA9.mp4"); // no ASCII letters left but 'T'
  sources.push_back("/tmp/verylongname_0.mp4");    // the same source again
  auto reels = tl::reel_names(sources);
  std::set<std::string> unique(reels.begin(), reels.end() - 1);
  EXPECT_EQ(unique.size(), 13u);
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
  t::TempDir dir;
  EXPECT_THROW(shotchain::write_file_atomic(dir / "missing" / "x.edl", "x"), shotchain::Error);
  EXPECT_EQ(t::list_dir(dir.path()), "");
}
