// shotchain stitch end to end: clips made with the ffmpeg CLI, outputs read back with ffprobe
// (frame counts, rate, codec/profile, colour tags, timecode, audio vs video duration), the
// timelines with xmllint / a JSON parser, and the bad-input list (exit 2, nothing left).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using shotchain::test::ffmpeg;
using shotchain::test::ffprobe_value;
using shotchain::test::list_dir;
using shotchain::test::read_file;
using shotchain::test::run;
using shotchain::test::run_shotchain;
using shotchain::test::TempDir;

namespace {

std::string P(const TempDir& d, const std::string& name) { return (d / name).string(); }

// A 320x180 H.264 clip of `seconds` from a lavfi source, optionally with a sine tone.
void make_clip(const std::string& out, const std::string& source, double seconds,
               const std::string& rate = "25", bool audio = false,
               const std::string& size = "320x180") {
  std::vector<std::string> a{
      "-f", "lavfi", "-i",
      source + "=size=" + size + ":rate=" + rate + ":duration=" + std::to_string(seconds)};
  if (audio) {
    a.insert(a.end(), {"-f", "lavfi", "-i",
                       "sine=frequency=440:sample_rate=44100:duration=" + std::to_string(seconds)});
  }
  a.insert(a.end(),
           {"-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-crf", "16"});
  if (audio) a.insert(a.end(), {"-c:a", "aac", "-shortest"});
  a.push_back(out);
  ffmpeg(a);
}

int64_t count_frames(const std::string& file) {
  auto r = run({"ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
                "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return std::stoll(r.out);
}

double stream_duration(const std::string& file, const std::string& stream) {
  auto v = ffprobe_value(file, stream, "stream=duration");
  return v.empty() || v == "N/A" ? -1 : std::stod(v);
}

rapidjson::Document parse_json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

// Packet pts of the video stream in file order of presentation (sorted), in stream units.
std::vector<int64_t> video_pts(const std::string& file) {
  auto r = run({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                "packet=pts,dts", "-of", "csv=p=0", file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<int64_t> pts;
  std::istringstream in(r.out);
  std::string line;
  int64_t last_dts = INT64_MIN;
  while (std::getline(in, line)) {
    auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    int64_t p = std::stoll(line.substr(0, comma));
    int64_t d = std::stoll(line.substr(comma + 1));
    EXPECT_GT(d, last_dts) << "non-monotonic dts in " << file;
    last_dts = d;
    pts.push_back(p);
  }
  std::sort(pts.begin(), pts.end());
  return pts;
}

// A clip that starts on `first_png` and continues with frames of `source` from `from` s.
void make_chained(const std::string& out, const std::string& first_png, const std::string& source,
                  double from, double seconds) {
  ffmpeg({"-loop",
          "1",
          "-framerate",
          "25",
          "-t",
          "0.04",
          "-i",
          first_png,
          "-f",
          "lavfi",
          "-i",
          source + "=size=320x180:rate=25:duration=" + std::to_string(from + seconds),
          "-filter_complex",
          "[0:v]format=yuv420p,setsar=1[a];[1:v]trim=start=" + std::to_string(from) +
              ",setpts=PTS-STARTPTS,format=yuv420p,setsar=1[b];[a][b]concat=n=2:v=1[v]",
          "-map",
          "[v]",
          "-r",
          "25",
          "-c:v",
          "libx264",
          "-preset",
          "veryfast",
          "-crf",
          "10",
          out});
}

} // namespace

TEST(Stitch, ConformToProResHqMovWithAudioAndRateConversion) {
  TempDir d;
  make_clip(P(d, "a.mp4"), "testsrc", 1);                                 // 25 frames, no audio
  make_clip(P(d, "c.mp4"), "testsrc2", 2, "30000/1001", true, "640x360"); // 60 frames at 29.97
  make_clip(P(d, "b.mp4"), "rgbtestsrc", 1);
  auto r = run_shotchain({"stitch", P(d, "a.mp4"), P(d, "c.mp4"), P(d, "b.mp4"), "-o",
                          P(d, "seq.mov"), "--qc", P(d, "qc.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = P(d, "seq.mov");
  // 25 + round(60 * 1001/30000 * 25) + 25: each clip keeps its duration.
  EXPECT_EQ(count_frames(out), 25 + 50 + 25);
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=codec_name"), "prores");
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=profile"), "HQ");
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=pix_fmt"), "yuv422p10le");
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=r_frame_rate"), "25/1");
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=width,height"), "320,180");
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=color_primaries"), "bt709");
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=color_transfer"), "bt709");
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=color_space"), "bt709");
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream_tags=timecode"), "01:00:00:00");
  EXPECT_EQ(ffprobe_value(out, "a:0", "stream=codec_name"), "pcm_s16le");
  EXPECT_EQ(ffprobe_value(out, "a:0", "stream=sample_rate"), "48000");
  const double v = stream_duration(out, "v:0"), a = stream_duration(out, "a:0");
  EXPECT_NEAR(v, 4.0, 1e-6);
  EXPECT_NEAR(a, v, 1024.0 / 48000);
  auto pts = video_pts(out);
  ASSERT_EQ(pts.size(), 100u);
  for (std::size_t i = 1; i < pts.size(); ++i) EXPECT_EQ(pts[i] - pts[i - 1], pts[1] - pts[0]);

  auto qc = parse_json(read_file(P(d, "qc.json")));
  EXPECT_EQ(qc["sequence"]["frames"].GetInt64(), 100);
  EXPECT_FALSE(qc["sequence"]["stream_copied"].GetBool());
  EXPECT_EQ(qc["clips"][1]["frames_in"].GetInt64(), 60);
  EXPECT_EQ(qc["clips"][1]["frames_out"].GetInt64(), 50);
  EXPECT_LE(std::fabs(qc["sequence"]["audio_video_difference"].GetDouble()), 1024.0 / 48000);
}

TEST(Stitch, Mp4GetsH264AndAacOfTheSameLength) {
  TempDir d;
  make_clip(P(d, "a.mp4"), "testsrc", 1.2, "25", true);
  make_clip(P(d, "b.mp4"), "testsrc2", 1, "25", false);
  make_clip(P(d, "c.mp4"), "testsrc", 0.8, "25", true);
  auto r =
      run_shotchain({"stitch", P(d, "a.mp4"), P(d, "b.mp4"), P(d, "c.mp4"), "-o", P(d, "seq.mp4")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = P(d, "seq.mp4");
  EXPECT_EQ(count_frames(out), 30 + 25 + 20);
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=codec_name"), "h264");
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=pix_fmt"), "yuv420p");
  EXPECT_EQ(ffprobe_value(out, "a:0", "stream=codec_name"), "aac");
  EXPECT_NEAR(stream_duration(out, "a:0"), stream_duration(out, "v:0"), 1024.0 / 48000);
}

TEST(Stitch, MatchingClipsAreStreamCopiedWithIncreasingTimestamps) {
  TempDir d;
  for (const char* n : {"a", "b", "c"}) make_clip(P(d, std::string(n) + ".mp4"), "testsrc", 1);
  auto r = run_shotchain({"stitch", P(d, "a.mp4"), P(d, "b.mp4"), P(d, "c.mp4"), "-o",
                          P(d, "seq.mov"), "--qc", P(d, "qc.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("stream copy"), std::string::npos) << r.out;
  const auto out = P(d, "seq.mov");
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=codec_name"), "h264");
  EXPECT_EQ(count_frames(out), 75);
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream=r_frame_rate"), "25/1");
  EXPECT_EQ(ffprobe_value(out, "v:0", "stream_tags=timecode"), "01:00:00:00");
  auto pts = video_pts(out); // also asserts strictly increasing dts
  ASSERT_EQ(pts.size(), 75u);
  const int64_t step = pts[1] - pts[0];
  for (std::size_t i = 1; i < pts.size(); ++i) EXPECT_EQ(pts[i] - pts[i - 1], step) << i;
  // A full decode reports no timestamp trouble.
  auto dec = run({"ffmpeg", "-nostdin", "-v", "warning", "-i", out, "-f", "null", "-"});
  EXPECT_EQ(dec.exit_code, 0);
  EXPECT_EQ(dec.err.find("onotonic"), std::string::npos) << dec.err;
  auto qc = parse_json(read_file(P(d, "qc.json")));
  EXPECT_TRUE(qc["sequence"]["stream_copied"].GetBool());
  EXPECT_TRUE(qc["sequence"]["constant_rate"].GetBool());
  EXPECT_TRUE(qc["sequence"]["timestamps_strictly_increasing"].GetBool());

  // --codec copy refuses clips that differ; auto re-encodes them.
  make_clip(P(d, "big.mp4"), "testsrc", 1, "25", false, "640x360");
  auto refused = run_shotchain(
      {"stitch", P(d, "a.mp4"), P(d, "big.mp4"), "--codec", "copy", "-o", P(d, "x.mov")});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("clip 2 of 2"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(d / "x.mov"));
}

TEST(Stitch, DedupeJoinsDropsOnlyTheMeasuredDuplicate) {
  TempDir d;
  make_clip(P(d, "a.mp4"), "testsrc", 1);
  // The chained clip starts on a's last decoded frame, then continues the motion.
  ffmpeg({"-i", P(d, "a.mp4"), "-vf", "select=eq(n\\,24)", "-frames:v", "1", P(d, "last.png")});
  make_chained(P(d, "b.mp4"), P(d, "last.png"), "testsrc", 1.0, 1.0); // 1 + 25 frames
  make_clip(P(d, "u.mp4"), "rgbtestsrc", 1);                          // unrelated
  auto r =
      run_shotchain({"stitch", P(d, "a.mp4"), P(d, "b.mp4"), P(d, "u.mp4"), "-o", P(d, "seq.mov"),
                     "--dedupe-joins", "--qc", P(d, "qc.json"), "--timeline", "otio,fcpxml,edl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_frames(P(d, "seq.mov")), 25 + 26 - 1 + 25);
  auto qc = parse_json(read_file(P(d, "qc.json")));
  const auto& j0 = qc["joins"][0];
  EXPECT_TRUE(j0["measured"].GetBool());
  EXPECT_TRUE(j0["dropped"].GetBool()) << j0["reason"].GetString();
  EXPECT_GT(j0["psnr_last_vs_first"].GetDouble(), j0["psnr_last_vs_second"].GetDouble());
  const auto& j1 = qc["joins"][1];
  EXPECT_TRUE(j1["measured"].GetBool());
  EXPECT_FALSE(j1["dropped"].GetBool()) << j1["reason"].GetString();
  EXPECT_EQ(qc["clips"][1]["frames_out"].GetInt64(), 25);
  EXPECT_TRUE(qc["clips"][1]["dropped_first_frame"].GetBool());

  // Timelines: the dropped frame is a source in-point of 1; durations add up to the sequence.
  auto otio = parse_json(read_file(P(d, "seq.otio")));
  double total = 0;
  for (const auto& c : otio["tracks"]["children"][0]["children"].GetArray())
    total += c["source_range"]["duration"]["value"].GetDouble();
  EXPECT_DOUBLE_EQ(total, 75.0);
  EXPECT_DOUBLE_EQ(
      otio["tracks"]["children"][0]["children"][1]["source_range"]["start_time"]["value"]
          .GetDouble(),
      1.0);
  auto lint = run({"xmllint", "--noout", P(d, "seq.fcpxml")});
  EXPECT_EQ(lint.exit_code, 0) << lint.err;
  auto dur = run({"xmllint", "--xpath", "string(//sequence/@duration)", P(d, "seq.fcpxml")});
  EXPECT_EQ(dur.out.substr(0, dur.out.find_last_not_of("\n") + 1), "3s"); // 75 frames
  auto edl = read_file(P(d, "seq.edl"));
  EXPECT_NE(edl.find("00:00:00:01 00:00:01:01 01:00:01:00 01:00:02:00"), std::string::npos) << edl;

  // Without the flag nothing is dropped.
  auto keep = run_shotchain(
      {"stitch", P(d, "a.mp4"), P(d, "b.mp4"), "-o", P(d, "keep.mov"), "--codec", "h264"});
  ASSERT_EQ(keep.exit_code, 0) << keep.err;
  EXPECT_EQ(count_frames(P(d, "keep.mov")), 51);
}

TEST(Stitch, RotationPadAndContactSheet) {
  TempDir d;
  // A portrait phone clip: coded 320x180, displayed rotated by 90 degrees.
  make_clip(P(d, "coded.mp4"), "testsrc", 1);
  ffmpeg({"-i", P(d, "coded.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90",
          P(d, "portrait.mov")});
  make_clip(P(d, "wide.mp4"), "testsrc2", 1);
  auto r = run_shotchain({"stitch", P(d, "wide.mp4"), P(d, "portrait.mov"), "-o", P(d, "s.mov"),
                          "--codec", "prores", "--qc", P(d, "qc.json"), "--contact-sheet",
                          P(d, "sheet.png")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ffprobe_value(P(d, "s.mov"), "v:0", "stream=profile"), "Standard");
  EXPECT_EQ(count_frames(P(d, "s.mov")), 50);
  auto qc = parse_json(read_file(P(d, "qc.json")));
  bool rotated = false;
  for (const auto& a : qc["clips"][1]["conform_actions"].GetArray())
    rotated = rotated || std::string(a.GetString()) == "rotate 90" ||
              std::string(a.GetString()) == "rotate 270";
  EXPECT_TRUE(rotated);
  // Pillarbox: the portrait picture sits in the middle with black columns at the sides.
  auto gray = run({"ffmpeg", "-nostdin", "-v", "error", "-ss", "1.5", "-i", P(d, "s.mov"),
                   "-frames:v", "1", "-vf", "crop=40:180:0:0,scale=1:1:flags=area", "-f",
                   "rawvideo", "-pix_fmt", "gray", "-"});
  ASSERT_EQ(gray.exit_code, 0) << gray.err;
  ASSERT_EQ(gray.out.size(), 1u);
  EXPECT_LT(static_cast<unsigned char>(gray.out[0]), 24);
  // Contact sheet: two rows, three pictures each.
  EXPECT_EQ(ffprobe_value(P(d, "sheet.png"), "v:0", "stream=codec_name"), "png");
  const auto wh = ffprobe_value(P(d, "sheet.png"), "v:0", "stream=width,height");
  // Label column 16 characters x 12 + 8, then 3 x (240 + 8) + 8 wide; 2 x (134 + 8) + 8 high.
  EXPECT_EQ(wh, "952,292") << wh;
}

TEST(Stitch, OneClipIsAConvert) {
  TempDir d;
  make_clip(P(d, "a.mp4"), "testsrc", 1, "30");
  auto r = run_shotchain({"stitch", P(d, "a.mp4"), "-o", P(d, "one.mov"), "--fps", "25"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_frames(P(d, "one.mov")), 25);
  EXPECT_EQ(ffprobe_value(P(d, "one.mov"), "v:0", "stream=profile"), "HQ");
}

TEST(Stitch, BadInputExitsTwoAndLeavesNothing) {
  TempDir d;
  make_clip(P(d, "a.mp4"), "testsrc", 0.4);
  { std::ofstream(d / "text.mp4") << "this is not a video\n"; }
  ffmpeg({"-f", "lavfi", "-i", "sine=duration=0.5", "-c:a", "aac", P(d, "audio.mp4")});
  const std::string before = list_dir(d.path());
  struct Case {
    std::vector<std::string> args;
    std::string expect; // in the one-line message
  };
  std::vector<Case> cases = {
      {{"stitch", "-o", P(d, "o.mov")}, "no clips"},
      {{"stitch", P(d, "a.mp4"), P(d, "missing.mp4"), "-o", P(d, "o.mov")}, "clip 2 of 2"},
      {{"stitch", P(d, "a.mp4"), P(d, "text.mp4"), "-o", P(d, "o.mov")}, "clip 2 of 2"},
      {{"stitch", P(d, "audio.mp4"), P(d, "a.mp4"), "-o", P(d, "o.mov")}, "clip 1 of 2"},
      {{"stitch", P(d, "a.mp4"), P(d, "a.mp4"), "-o", P(d, "a.mp4")}, "also input"},
      {{"stitch", P(d, "a.mp4"), "-o", P(d, "nodir/o.mov")}, "folder"},
      {{"stitch", P(d, "a.mp4"), "-o", P(d, "o.avi")}, ".mov or .mp4"},
      {{"stitch", P(d, "a.mp4"), "-o", P(d, "o.mp4"), "--codec", "prores_hq"}, ".mov"},
      {{"stitch", P(d, "a.mp4"), "-o", P(d, "o.mov"), "--fps", "zero"}, "--fps"},
      {{"stitch", P(d, "a.mp4"), d.path().string(), "-o", P(d, "o.mov")}, "clip 2 of 2"},
  };
  for (const auto& c : cases) {
    auto r = run_shotchain(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.expect << ": " << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(list_dir(d.path()), before) << c.expect;
  }
  // The missing clip is named by its path too.
  auto r = run_shotchain({"stitch", P(d, "a.mp4"), P(d, "missing.mp4"), "-o", P(d, "o.mov")});
  EXPECT_NE(r.err.find("missing.mp4"), std::string::npos) << r.err;
}

TEST(Stitch, ZeroFrameClipIsBadInput) {
  TempDir d;
  make_clip(P(d, "a.mp4"), "testsrc", 0.4);
  // A video track without a single sample.
  ffmpeg({"-f", "lavfi", "-i", "testsrc=size=320x180:rate=25:duration=1", "-frames:v", "0", "-c:v",
          "libx264", P(d, "empty.mp4")});
  const std::string before = list_dir(d.path());
  auto r = run_shotchain({"stitch", P(d, "a.mp4"), P(d, "empty.mp4"), "-o", P(d, "o.mov")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("clip 2 of 2"), std::string::npos) << r.err;
  EXPECT_EQ(list_dir(d.path()), before);
}

// Camera footage carries its own start timecode: the EDL's source in points at it (in the
// clip's own frames), the QC report names it; generated clips without one count from 0.
TEST(Stitch, TimelineSourcePointsFollowTheClipsOwnTimecode) {
  TempDir d;
  make_clip(P(d, "gen.mp4"), "testsrc", 1);
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=1", "-pix_fmt", "yuv420p",
          "-c:v", "libx264", "-preset", "veryfast", "-timecode", "10:00:10:05", P(d, "cam.mov")});
  auto r = run_shotchain({"stitch", P(d, "gen.mp4"), P(d, "cam.mov"), "-o", P(d, "seq.mov"),
                          "--timeline", "edl", "--qc", P(d, "qc.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string edl = read_file(d / "seq.edl");
  EXPECT_NE(edl.find("00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00"), std::string::npos) << edl;
  EXPECT_NE(edl.find("10:00:10:05 10:00:11:05 01:00:01:00 01:00:02:00"), std::string::npos) << edl;
  rapidjson::Document qc;
  ASSERT_FALSE(qc.Parse(read_file(d / "qc.json").c_str()).HasParseError());
  EXPECT_TRUE(qc["clips"][0]["source_timecode"].IsNull());
  EXPECT_STREQ(qc["clips"][1]["source_timecode"].GetString(), "10:00:10:05");
}

namespace {

// The md5 of every video packet of `file`, in order (ffmpeg's framemd5 of a stream copy).
std::vector<std::string> video_packet_md5s(const std::string& file) {
  auto r = run({"ffmpeg", "-nostdin", "-v", "error", "-i", file, "-map", "0:v:0", "-c", "copy",
                "-f", "framemd5", "-"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') out.push_back(line.substr(line.rfind(',') + 1));
  return out;
}

// max_volume (dB) of `seconds` of `file`'s audio from `from`.
double max_volume(const std::string& file, double from, double seconds) {
  auto r = run({"ffmpeg", "-nostdin", "-hide_banner", "-ss", std::to_string(from), "-t",
                std::to_string(seconds), "-i", file, "-map", "0:a:0", "-af", "volumedetect", "-f",
                "null", "-"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto at = r.err.find("max_volume:");
  if (at == std::string::npos) return 0;
  return std::stod(r.err.substr(at + 11));
}

} // namespace

// Matching clips with audio: the video is still stream-copied (every packet as it was), and
// the one audio track is made exactly: the clip without audio is silence of its length, and
// audio ends with the video.
TEST(Stitch, MatchingClipsWithAudioCopyVideoAndBuildOneExactAudioTrack) {
  TempDir d;
  make_clip(P(d, "a.mp4"), "testsrc", 1.2, "25", true);
  make_clip(P(d, "b.mp4"), "testsrc", 1, "25", false);
  make_clip(P(d, "c.mp4"), "testsrc", 0.8, "25", true);
  auto r = run_shotchain({"stitch", P(d, "a.mp4"), P(d, "b.mp4"), P(d, "c.mp4"), "-o",
                          P(d, "seq.mov"), "--qc", P(d, "qc.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = P(d, "seq.mov");
  auto qc = parse_json(read_file(d / "qc.json"));
  EXPECT_TRUE(qc["sequence"]["stream_copied"].GetBool());
  EXPECT_TRUE(qc["sequence"]["has_audio"].GetBool());
  EXPECT_STREQ(qc["clips"][1]["conform_actions"][1].GetString(), "silence for audio");

  std::vector<std::string> expected;
  for (const char* n : {"a.mp4", "b.mp4", "c.mp4"}) {
    auto part = video_packet_md5s(P(d, n));
    expected.insert(expected.end(), part.begin(), part.end());
  }
  EXPECT_EQ(expected.size(), 75u);
  EXPECT_EQ(video_packet_md5s(out), expected);

  EXPECT_EQ(ffprobe_value(out, "a:0", "stream=codec_name"), "pcm_s16le");
  EXPECT_NEAR(stream_duration(out, "a:0"), stream_duration(out, "v:0"), 1024.0 / 48000);
  EXPECT_GT(max_volume(out, 0.2, 0.8), -30.0); // a's tone
  EXPECT_LT(max_volume(out, 1.3, 0.8), -80.0); // b: silence
  EXPECT_GT(max_volume(out, 2.3, 0.6), -30.0); // c's tone
}
