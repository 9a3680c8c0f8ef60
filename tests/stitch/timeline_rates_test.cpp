// Timelines an editor's tools read exactly, at every rate: clips at 23.976, 24, 25, 29.97, 30,
// 50, 59.94 and variable-rate phone footage, with spaces, '#', '%' and non-ASCII in their
// names, stitched into a sequence at each of those rates. For every pair of rates the three
// timelines agree with each other and with the sequence's frame count, every source range
// lies within its media as ffprobe reads it, and the FCPXML is valid by Apple's DTD.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <memory>
#include <set>

#include "tests/stitch/timeline_readers.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

namespace t = shotchain::test;
using t::Seconds;

namespace {

struct Source {
  std::string name;     // file name
  std::string rate;     // the rate ffmpeg makes it at ("vfr": jittered phone timestamps)
  std::string expected; // the rate timelines must count it at
  double seconds = 1;
  int audio_channels = 0; // 0: no audio
  std::string timecode;   // its own start timecode ("" none)
};

const std::vector<Source>& sources() {
  static const std::vector<Source> s = {
      {"a 23.976 #1.mp4", "24000/1001", "24000/1001", 1.0, 2, ""},
      {"b 24 100%.mov", "24", "24/1", 1.2, 0, ""},
      {"c 25 caf\xC3\xA9.mp4", "25", "25/1", 1.0, 1, ""},
      {"d 29.97 \xC3\xB1 #.mov", "30000/1001", "30000/1001", 1.1, 0, "10:00:00;00"},
      {"e 30.mp4", "30", "30/1", 1.0, 0, ""},
      {"f 50 %20.mov", "50", "50/1", 0.9, 0, "01:02:03:04"},
      {"g 59.94.mp4", "60000/1001", "60000/1001", 1.0, 2, ""},
      {"h vfr phone.mp4", "vfr", "30000/1001", 1.2, 2, ""},
  };
  return s;
}

// A clip made like "c 25 café.mp4": the two stream-copy into a 25 fps sequence.
const Source& copy_partner() {
  static const Source s{"i 25 copy #.mp4", "25", "25/1", 1.0, 1, ""};
  return s;
}

void make_source(const std::filesystem::path& dir, const Source& s) {
  const std::string seconds = std::to_string(s.seconds);
  std::vector<std::string> a{
      "-f", "lavfi", "-i",
      "testsrc2=size=64x36:rate=" + (s.rate == "vfr" ? "30" : s.rate) + ":duration=" + seconds};
  if (s.audio_channels)
    a.insert(a.end(), {"-f", "lavfi", "-i", "sine=sample_rate=48000:duration=" + seconds, "-ac",
                       std::to_string(s.audio_channels), "-c:a", "aac"});
  if (s.rate == "vfr") // frame durations between 27.5 and 39.4 ms, 29.83 fps on average
    a.insert(a.end(),
             {"-vf", "settb=1/90000,setpts='(N*0.0335+0.004*sin(N*1.7))/TB'", "-fps_mode",
              "passthrough", "-enc_time_base", "1/90000", "-video_track_timescale", "90000"});
  if (!s.timecode.empty()) a.insert(a.end(), {"-timecode", s.timecode});
  a.insert(a.end(), {"-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast",
                     (dir / s.name).string()});
  t::ffmpeg(a);
}

// What ffprobe says of a media file: the oracle for "within the media".
struct Probe {
  Seconds duration;          // of the video stream, exact (duration_ts x time_base)
  std::int64_t tc_start = 0; // its timecode as a frame number at its own rate
  int audio_channels = 0;
  std::string audio_rate;
};

Probe probe(const std::filesystem::path& file, const Source& s, const Seconds& rate) {
  Probe p;
  const std::string f = file.string();
  const Seconds tb = t::parse_ratio(t::ffprobe_value(f, "v:0", "stream=time_base"));
  const std::int64_t ts = std::stoll(t::ffprobe_value(f, "v:0", "stream=duration_ts"));
  p.duration = {ts * tb.num, tb.den};
  const int nominal = static_cast<int>((rate.num + rate.den / 2) / rate.den);
  if (!s.timecode.empty()) {
    const std::string tc = t::ffprobe_value(f, "v:0", "stream_tags=timecode");
    EXPECT_EQ(tc, s.timecode) << f;
    p.tc_start = t::timecode_frames(tc, nominal);
  }
  if (s.audio_channels) {
    p.audio_channels = std::stoi(t::ffprobe_value(f, "a:0", "stream=channels"));
    p.audio_rate = t::ffprobe_value(f, "a:0", "stream=sample_rate");
  }
  return p;
}

class TimelineRates : public testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<t::TempDir>();
    for (const auto& s : sources()) {
      make_source(dir_->path(), s);
      probes_.push_back(probe(dir_->path() / s.name, s, t::parse_ratio(s.expected)));
    }
    make_source(dir_->path(), copy_partner());
  }
  static void TearDownTestSuite() {
    probes_.clear();
    dir_.reset();
  }
  static std::unique_ptr<t::TempDir> dir_;
  static std::vector<Probe> probes_;
};
std::unique_ptr<t::TempDir> TimelineRates::dir_;
std::vector<Probe> TimelineRates::probes_;

bool ascii_only(const std::string& text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) > 0x7E || (static_cast<unsigned char>(c) < 0x20 && c != '\n'))
      return false;
  return true;
}

int nominal_of(const Seconds& rate) {
  return static_cast<int>((rate.num + rate.den / 2) / rate.den);
}
bool drop_frame(const Seconds& rate) { return rate.den == 1001 && rate.num % 30000 == 0; }

// One event as each timeline tells it.
struct Told {
  std::int64_t record_frames = 0; // length in sequence frames
  Seconds source_start;           // where it starts in its media, from the media's timecode 0
  Seconds source_end;
  Seconds media_start, media_end; // the available range the timeline declares
};

std::vector<Told> read_otio(const std::filesystem::path& file, const Seconds& seq_rate,
                            std::int64_t expected_start) {
  rapidjson::Document doc;
  const std::string text = t::read_file(file);
  EXPECT_FALSE(doc.Parse(text.c_str()).HasParseError()) << file;
  std::vector<Told> out;
  if (doc.HasParseError()) return out;
  const double q = t::to_double(seq_rate);
  EXPECT_NEAR(doc["global_start_time"]["rate"].GetDouble(), q, 1e-9);
  EXPECT_EQ(doc["global_start_time"]["value"].GetDouble(), static_cast<double>(expected_start));
  for (const auto& clip : doc["tracks"]["children"][0]["children"].GetArray()) {
    EXPECT_STREQ(clip["OTIO_SCHEMA"].GetString(), "Clip.1");
    const auto& range = clip["source_range"];
    const auto& ref = clip["media_reference"];
    const auto& available = ref["available_range"];
    const Seconds r = t::parse_ratio(ref["metadata"]["shotchain"]["rate"].GetString());
    EXPECT_NEAR(range["start_time"]["rate"].GetDouble(), t::to_double(r), 1e-9);
    EXPECT_NEAR(available["duration"]["rate"].GetDouble(), t::to_double(r), 1e-9);
    EXPECT_NEAR(range["duration"]["rate"].GetDouble(), q, 1e-9);
    Told e;
    e.record_frames = static_cast<std::int64_t>(range["duration"]["value"].GetDouble());
    e.source_start = t::frames_at(
        static_cast<std::int64_t>(range["start_time"]["value"].GetDouble()), r.num, r.den);
    e.source_end = e.source_start + t::frames_at(e.record_frames, seq_rate.num, seq_rate.den);
    e.media_start = t::frames_at(
        static_cast<std::int64_t>(available["start_time"]["value"].GetDouble()), r.num, r.den);
    e.media_end =
        e.media_start +
        t::frames_at(static_cast<std::int64_t>(available["duration"]["value"].GetDouble()), r.num,
                     r.den);
    const std::string url = ref["target_url"].GetString();
    EXPECT_EQ(url.rfind("file:///", 0), 0u) << url;
    EXPECT_TRUE(ascii_only(url) && url.find(' ') == std::string::npos) << url;
    out.push_back(e);
  }
  return out;
}

std::vector<Told> read_fcpxml(const std::filesystem::path& file, const Seconds& seq_rate,
                              std::int64_t seq_frames) {
  auto lint = t::run({"xmllint", "--noout", "--dtdvalid", t::fcpxml_dtd().string(), file.string()});
  EXPECT_EQ(lint.exit_code, 0) << lint.err;
  auto times = [&](const std::string& xp) {
    std::vector<Seconds> v;
    for (const auto& s : t::xpath_values(file, xp)) v.push_back(t::parse_fcp_time(s));
    return v;
  };
  const Seconds length = t::frames_at(seq_frames, seq_rate.num, seq_rate.den);
  EXPECT_EQ(times("//sequence/@duration").at(0), length);
  EXPECT_EQ(t::xpath_values(file, "//sequence/@tcFormat").at(0),
            drop_frame(seq_rate) ? "DF" : "NDF");
  EXPECT_EQ(times("//format[@id='r1']/@frameDuration").at(0),
            t::frames_at(1, seq_rate.num, seq_rate.den));
  Seconds at = times("//sequence/@tcStart").at(0);
  std::vector<Told> out;
  const auto refs = t::xpath_values(file, "//asset-clip/@ref");
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const std::string clip = "//asset-clip[" + std::to_string(i + 1) + "]";
    const std::string asset = "//asset[@id='" + refs[i] + "']";
    EXPECT_EQ(times(clip + "/@offset").at(0), at) << i;
    const Seconds duration = times(clip + "/@duration").at(0);
    at = at + duration;
    Told e;
    // A whole number of sequence frames.
    const Seconds frames = {duration.num * seq_rate.num, duration.den * seq_rate.den};
    EXPECT_EQ(frames.num % frames.den, 0) << i;
    e.record_frames = frames.num / frames.den;
    e.source_start = times(clip + "/@start").at(0);
    e.source_end = e.source_start + duration;
    e.media_start = times(asset + "/@start").at(0);
    e.media_end = e.media_start + times(asset + "/@duration").at(0);
    // The asset points at its own format, and so does the clip.
    const std::string format = t::xpath_values(file, asset + "/@format").at(0);
    EXPECT_NE(format, "r1") << i;
    EXPECT_EQ(t::xpath_values(file, clip + "/@format").at(0), format) << i;
    out.push_back(e);
  }
  EXPECT_EQ(at - times("//sequence/@tcStart").at(0), length);
  return out;
}

std::vector<Told> read_edl(const std::filesystem::path& file, const Seconds& seq_rate,
                           const std::vector<Seconds>& media_rates, std::int64_t expected_start,
                           const std::vector<Told>& otio) {
  const std::string text = t::read_file(file);
  EXPECT_TRUE(ascii_only(text)) << text;
  const auto edl = t::parse_edl(text);
  EXPECT_EQ(edl.fcm, drop_frame(seq_rate) ? "DROP FRAME" : "NON-DROP FRAME");
  const int q = nominal_of(seq_rate);
  std::int64_t record = expected_start;
  std::set<std::string> reels;
  std::vector<Told> out;
  for (std::size_t i = 0; i < edl.events.size() && i < media_rates.size(); ++i) {
    const auto& ev = edl.events[i];
    EXPECT_EQ(ev.record_in.find(';') != std::string::npos, drop_frame(seq_rate)) << ev.record_in;
    EXPECT_EQ(t::timecode_frames(ev.record_in, q), record) << i;
    const std::int64_t rec_out = t::timecode_frames(ev.record_out, q);
    EXPECT_LE(ev.reel.size(), 8u);
    reels.insert(ev.reel);
    EXPECT_FALSE(t::edl_comment(ev, "FROM CLIP NAME").empty()) << i;
    EXPECT_EQ(t::edl_comment(ev, "FROM CLIP").rfind("file:///", 0), 0u) << i;
    EXPECT_EQ(t::edl_comment(ev, "SOURCE FILE").rfind("/", 0), 0u) << i;
    const Seconds r = media_rates[i];
    // Source timecode counts at the media's own rate: the same frames the OTIO names.
    const std::int64_t src_in = t::timecode_frames(ev.source_in, nominal_of(r));
    const std::int64_t src_out = t::timecode_frames(ev.source_out, nominal_of(r));
    Told e;
    e.record_frames = rec_out - record;
    e.source_start = t::frames_at(src_in, r.num, r.den);
    e.source_end = t::frames_at(src_out, r.num, r.den);
    // The out point is the whole media frames the record length covers, rounded down.
    const Seconds covered = t::frames_at(e.record_frames, seq_rate.num, seq_rate.den);
    EXPECT_TRUE(e.source_end - e.source_start <= covered) << i;
    EXPECT_FALSE(e.source_end - e.source_start + t::frames_at(1, r.num, r.den) <= covered) << i;
    if (i < otio.size()) e.media_start = otio[i].media_start, e.media_end = otio[i].media_end;
    out.push_back(e);
    record = rec_out;
  }
  EXPECT_EQ(reels.size(), edl.events.size()); // one reel per distinct file
  return out;
}

std::int64_t count_frames(const std::filesystem::path& file) {
  auto r = t::run({"ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
                   "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return std::stoll(r.out);
}

// The FCPXML's asset `i` (0-based): its own format and audio as ffprobe reads them.
void expect_asset_as_probed(const std::filesystem::path& file, std::size_t i, const Seconds& rate,
                            const Probe& p) {
  const std::string asset = "//asset[" + std::to_string(i + 1) + "]";
  const std::string format =
      "//format[@id='" + t::xpath_values(file, asset + "/@format").at(0) + "']";
  EXPECT_EQ(t::parse_fcp_time(t::xpath_values(file, format + "/@frameDuration").at(0)),
            t::frames_at(1, rate.num, rate.den));
  EXPECT_EQ(t::xpath_values(file, format + "/@width").at(0), "64");
  EXPECT_EQ(t::xpath_values(file, asset + "/@hasVideo").at(0), "1");
  EXPECT_EQ(t::xpath_values(file, asset + "/@hasAudio").at(0), p.audio_channels ? "1" : "0");
  if (p.audio_channels) {
    EXPECT_EQ(t::xpath_values(file, asset + "/@audioSources").at(0), "1");
    EXPECT_EQ(t::xpath_values(file, asset + "/@audioChannels").at(0),
              std::to_string(p.audio_channels));
    EXPECT_EQ(t::xpath_values(file, asset + "/@audioRate").at(0), p.audio_rate);
  }
}

// Stitches `clips` into "seq 1.mov" at `rate` (with `extra` options) and checks its three
// timelines against each other, the sequence and ffprobe's reading of each clip;
// `otio_out`, when given, receives the events as the OTIO tells them.
void expect_exact_timelines(const std::filesystem::path& media_dir,
                            const std::vector<Source>& clips, const std::vector<Probe>& probes,
                            const std::string& rate, const std::vector<std::string>& extra,
                            std::vector<Told>* otio_out = nullptr) {
  ASSERT_TRUE(std::filesystem::exists(t::fcpxml_dtd()))
      << t::fcpxml_dtd() << " is missing (shared/data beside the source tree)";
  const Seconds q = t::parse_ratio(rate);
  t::TempDir out;
  const auto seq = out / "seq 1.mov";
  std::vector<std::string> args{"stitch"};
  for (const auto& s : clips) args.push_back((media_dir / s.name).string());
  args.insert(args.end(), {"-o", seq.string(), "--fps", rate, "--timeline", "otio,fcpxml,edl"});
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = t::run_shotchain(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::int64_t frames = count_frames(seq);
  const std::int64_t start =
      t::timecode_frames(drop_frame(q) ? "01:00:00;00" : "01:00:00:00", nominal_of(q));
  // The sequence file's own timecode says the same.
  EXPECT_EQ(t::ffprobe_value(seq.string(), "v:0", "stream_tags=timecode"),
            drop_frame(q) ? "01:00:00;00" : "01:00:00:00");

  std::vector<Seconds> rates;
  for (const auto& s : clips) rates.push_back(t::parse_ratio(s.expected));
  const auto otio = read_otio(out / "seq 1.otio", q, start);
  const auto fcp = read_fcpxml(out / "seq 1.fcpxml", q, frames);
  const auto edl = read_edl(out / "seq 1.edl", q, rates, start, otio);
  ASSERT_EQ(otio.size(), clips.size());
  ASSERT_EQ(fcp.size(), clips.size());
  ASSERT_EQ(edl.size(), clips.size());
  if (otio_out) *otio_out = otio;

  std::int64_t otio_total = 0, edl_total = 0;
  for (std::size_t i = 0; i < clips.size(); ++i) {
    SCOPED_TRACE(clips[i].name + " in a " + rate + " sequence");
    const Probe& p = probes[i];
    const Seconds media_tc = t::frames_at(p.tc_start, rates[i].num, rates[i].den);
    // Agreement: the same record length and the same first source frame everywhere.
    EXPECT_EQ(otio[i].record_frames, fcp[i].record_frames);
    EXPECT_EQ(otio[i].record_frames, edl[i].record_frames);
    EXPECT_GT(otio[i].record_frames, 0);
    EXPECT_EQ(otio[i].source_start, fcp[i].source_start);
    EXPECT_EQ(otio[i].source_start, edl[i].source_start);
    EXPECT_EQ(otio[i].media_start, fcp[i].media_start);
    EXPECT_EQ(otio[i].media_end, fcp[i].media_end);
    EXPECT_EQ(otio[i].media_start, media_tc);
    // Within the media: the declared range inside what ffprobe reads, the used range inside it.
    for (const Told* told : {&otio[i], &fcp[i], &edl[i]}) {
      EXPECT_TRUE(told->media_start <= told->source_start);
      EXPECT_TRUE(told->source_end <= told->media_end)
          << t::to_double(told->source_end) << " > " << t::to_double(told->media_end);
    }
    EXPECT_TRUE(otio[i].media_end - media_tc <= p.duration)
        << t::to_double(otio[i].media_end - media_tc) << " > " << t::to_double(p.duration);
    // And not short of it by a frame or more: the whole media is declared.
    EXPECT_FALSE(otio[i].media_end - media_tc + t::frames_at(1, rates[i].num, rates[i].den) <=
                 p.duration);
    otio_total += otio[i].record_frames;
    edl_total += edl[i].record_frames;

    expect_asset_as_probed(out / "seq 1.fcpxml", i, rates[i], p);
  }
  EXPECT_EQ(otio_total, frames);
  EXPECT_EQ(edl_total, frames);
  // One format for the sequence and one per distinct media rate (all 64x36, same colour).
  std::set<std::pair<std::int64_t, std::int64_t>> distinct;
  for (const auto& each : rates) distinct.insert({each.num, each.den});
  EXPECT_EQ(t::xpath_values(out / "seq 1.fcpxml", "//format/@id").size(), distinct.size() + 1);
}

} // namespace

TEST_P(TimelineRates, AllThreeAgreeAndStayWithinTheMedia) {
  expect_exact_timelines(dir_->path(), sources(), probes_, GetParam(), {"--codec", "prores"});
}

// Clips at the sequence's rate are stream-copied: the same guarantees hold.
TEST_F(TimelineRates, StreamCopiedClipsToo) {
  const Source& c = sources()[2];
  const Probe partner = probe(dir_->path() / copy_partner().name, copy_partner(), {25, 1});
  expect_exact_timelines(dir_->path(), {c, copy_partner()}, {probes_[2], partner}, "25",
                         {"--codec", "copy"});
}

// A chained pair whose join frame is dropped (--dedupe-joins), 25 fps clips in a 29.97
// sequence: the second clip's range starts on its second frame and still ends inside it.
TEST_F(TimelineRates, DroppedJoinFrameAtAnotherRate) {
  const Source first{"j chain 1.mp4", "25", "25/1", 1.0, 0, ""};
  const Source second{"j chain 2.mp4", "25", "25/1", 1.0, 0, ""};
  const auto dir = dir_->path();
  // Frames 0-24 of one picture stream, then frames 24-49: the second opens on the first's
  // last picture.
  const std::string source = "testsrc2=size=64x36:rate=25:duration=2";
  t::ffmpeg({"-f", "lavfi", "-i", source, "-vf", "trim=end_frame=25", "-pix_fmt", "yuv420p", "-c:v",
             "libx264", "-crf", "8", (dir / first.name).string()});
  t::ffmpeg({"-f", "lavfi", "-i", source, "-vf", "trim=start_frame=24,setpts=PTS-STARTPTS",
             "-pix_fmt", "yuv420p", "-c:v", "libx264", "-crf", "8", (dir / second.name).string()});
  const std::vector<Probe> probes{probe(dir / first.name, first, {25, 1}),
                                  probe(dir / second.name, second, {25, 1})};
  std::vector<Told> told;
  expect_exact_timelines(dir, {first, second}, probes, "30000/1001",
                         {"--codec", "prores", "--dedupe-joins"}, &told);
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[1].source_start, (Seconds{1, 25})); // the dropped join frame
  // 25 frames fill 29 at 29.97; the second clip's 25 remaining frames fill 29 as well.
  EXPECT_EQ(told[0].record_frames, 29);
  EXPECT_EQ(told[1].record_frames, 29);
}

INSTANTIATE_TEST_SUITE_P(EveryRate, TimelineRates,
                         testing::Values("24000/1001", "24", "25", "30000/1001", "30", "50",
                                         "60000/1001"),
                         [](const testing::TestParamInfo<std::string>& rate) {
                           std::string n;
                           for (char c : rate.param)
                             n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return "fps_" + n;
                         });
