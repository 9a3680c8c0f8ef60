// Encode once (issue 10): every generated segment is encoded once into the delivery codec and
// the sequence is a stream copy of the shot clips. The oracle is ffmpeg's own packet hashes
// (`-c copy -f framemd5`): the sequence's video packets are the shot clips' packets, byte for
// byte and in order; frame count and timecode are those of an encoded sequence. A later run
// that changes one shot encodes that shot's segments only and copies the sequence again.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "codecs/decode_ledger.h"
#include "pipeline/job_spec.h"
#include "pipeline/runner.h"
#include "stages/generate_atlas.h"
#include "stages/preview_generator.h"
#include "tests/fake_atlas/fake_atlas.h"
#include "tests/pipeline/test_job.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using namespace shotchain::pipeline;
using namespace shotchain::test;
namespace fs = std::filesystem;

namespace {

// The MD5 of every video packet of `file`, in order, as ffmpeg's framemd5 muxer prints them.
std::vector<std::string> packet_hashes(const fs::path& file) {
  auto r = run({"ffmpeg", "-nostdin", "-v", "error", "-i", file.string(), "-map", "0:v", "-c",
                "copy", "-f", "framemd5", "-"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> hashes;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    hashes.push_back(line.substr(line.rfind(',') + 2));
  }
  return hashes;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// The test job with another output container/codec.
std::string job_in(const std::string& path, const std::string& codec,
                   const std::string& prompt_c = "the clock ticks") {
  std::string text = job_text("pan over the test card", prompt_c);
  auto at = text.find(R"("path": "out/seq.mp4", "codec": "h264")");
  text.replace(at, std::string(R"("path": "out/seq.mp4", "codec": "h264")").size(),
               R"("path": ")" + path + R"(", "codec": ")" + codec + "\"");
  return text;
}

class EncodeOnceTest : public ::testing::TestWithParam<std::pair<const char*, const char*>> {
 protected:
  void SetUp() override { make_job_inputs(dir.path()); }
  RunReport run_spec(const std::string& text) {
    JobSpec job = load_job_spec(write_job(dir.path(), text));
    RunOptions o;
    preview::PreviewOptions po;
    po.height = 144;
    o.backend = std::make_shared<preview::PreviewBackend>(po);
    o.concurrency = 2;
    return run_job(job, o);
  }
  TempDir dir;
};

} // namespace

TEST_P(EncodeOnceTest, SequencePacketsAreTheShotClipsPacketsAndOneChangedShotIsEncodedAlone) {
  const std::string path = GetParam().first, codec = GetParam().second;
  const std::string ext = fs::path(path).extension().string();
  RunReport r = run_spec(job_in(path, codec));
  const fs::path out = dir / "out";
  const fs::path seq = out / fs::path(path).filename();
  ASSERT_EQ(r.frames, 598);

  std::vector<std::string> clips;
  for (const char* shot : {"a", "b", "c"}) {
    auto h = packet_hashes(out / "shots" / (std::string(shot) + ext));
    clips.insert(clips.end(), h.begin(), h.end());
  }
  EXPECT_EQ(clips.size(), 598u);
  EXPECT_EQ(packet_hashes(seq), clips); // byte-identical packets, in order
  EXPECT_EQ(ffprobe_value(seq.string(), "v:0", "stream=nb_frames"), "598");
  EXPECT_EQ(ffprobe_value(seq.string(), "v:0", "stream_tags=timecode"), "01:00:00:00");
  EXPECT_EQ(ffprobe_value(seq.string(), "v:0", "stream=color_primaries"), "bt709");
  // b starts on a's last frame: measured and dropped in b's clip, reported in the QC.
  std::string qc = read_text(out / "seq.qc.json");
  EXPECT_NE(qc.find("\"dropped\": true"), std::string::npos) << qc;
  EXPECT_EQ(ffprobe_value((out / "shots" / ("b" + ext)).string(), "v:0", "stream=nb_frames"),
            "149");

  // c's prompt changes: only c's segment is encoded again; the sequence is copied again.
  const fs::path state = dir / "job.state" / "shots";
  auto stamp = [](const fs::path& p) { return fs::last_write_time(p); };
  const auto a1 = stamp(state / "a" / ("piece-1" + ext));
  const auto b1 = stamp(state / "b" / ("piece-1" + ext));
  const auto c1 = stamp(state / "c" / ("piece-1" + ext));
  const auto s1 = stamp(seq);
  RunReport r2 = run_spec(job_in(path, codec, "the clock stops"));
  EXPECT_EQ(r2.generated, 1);
  EXPECT_EQ(stamp(state / "a" / ("piece-1" + ext)), a1);
  EXPECT_EQ(stamp(state / "b" / ("piece-1" + ext)), b1);
  EXPECT_NE(stamp(state / "c" / ("piece-1" + ext)), c1);
  EXPECT_NE(stamp(seq), s1);
  std::vector<std::string> again;
  for (const char* shot : {"a", "b", "c"}) {
    auto h = packet_hashes(out / "shots" / (std::string(shot) + ext));
    again.insert(again.end(), h.begin(), h.end());
  }
  EXPECT_EQ(packet_hashes(seq), again);
  EXPECT_EQ(std::vector<std::string>(again.begin(), again.begin() + 448),
            std::vector<std::string>(clips.begin(), clips.begin() + 448)); // a and b untouched
}

// Pictures decoded from each generated segment file of the state folder, by the ledger.
std::map<std::string, long long> decoded_per_segment(
    const fs::path& state, const std::map<std::string, long long>& ledger) {
  std::map<std::string, long long> per;
  for (const auto& e : fs::recursive_directory_iterator(state)) {
    const fs::path& p = e.path();
    if (p.extension() != ".mp4" || p.filename().string().rfind("segment-", 0) != 0) continue;
    // The atlas backend verifies the download under its .part name, before the rename.
    const std::string final_name = fs::absolute(p).lexically_normal().string();
    long long n = 0;
    for (const auto& [file, pictures] : ledger) {
      const std::string name = fs::absolute(file).lexically_normal().string();
      if (name == final_name || name == final_name + ".part") n += pictures;
    }
    per[p.parent_path().filename().string() + "/" + p.filename().string()] = n;
  }
  return per;
}

// Each generated frame is decoded once: verification (count, rate, last frame for the chain)
// and the piece's encode are one decode. A later run that changes one shot decodes that
// shot's segment alone.
TEST_P(EncodeOnceTest, EveryGeneratedFrameIsDecodedOnce) {
  const std::string path = GetParam().first, codec = GetParam().second;
  codecs::decode_ledger::start();
  RunReport r = run_spec(job_in(path, codec));
  auto ledger = codecs::decode_ledger::stop();
  ASSERT_EQ(r.frames, 598);
  const std::map<std::string, long long> once{{"a/segment-1.mp4", 150},
                                              {"a/segment-2.mp4", 150},
                                              {"b/segment-1.mp4", 150},
                                              {"c/segment-1.mp4", 150}};
  EXPECT_EQ(decoded_per_segment(dir / "job.state", ledger), once);

  codecs::decode_ledger::start();
  run_spec(job_in(path, codec, "the clock stops"));
  ledger = codecs::decode_ledger::stop();
  const std::map<std::string, long long> only_c{{"a/segment-1.mp4", 0},
                                                {"a/segment-2.mp4", 0},
                                                {"b/segment-1.mp4", 0},
                                                {"c/segment-1.mp4", 150}};
  EXPECT_EQ(decoded_per_segment(dir / "job.state", ledger), only_c);
}

// The same through the atlas backend, over real HTTP on loopback to the fake service: each
// downloaded clip is verified in the decode that encodes its piece.
TEST(EncodeOnceAtlas, EveryDownloadedFrameIsDecodedOnce) {
  TempDir dir;
  make_job_inputs(dir.path());
  FakeAtlas fake;
  stages::AtlasBackendOptions o;
  o.client.api_base = fake.base_url();
  o.client.api_key = fake.api_key();
  o.client.poll.initial = std::chrono::milliseconds(10);
  o.client.poll.max = std::chrono::milliseconds(30);
  o.upload_cache = dir / "uploads.json";
  JobSpec job = load_job_spec(write_job(dir.path(), small_job_text()));
  RunOptions ro;
  ro.backend = std::make_shared<stages::AtlasBackend>(o);
  ro.concurrency = 2;
  codecs::decode_ledger::start();
  RunReport r = run_job(job, ro);
  auto ledger = codecs::decode_ledger::stop();
  EXPECT_EQ(r.generated, 2);
  std::map<std::string, long long> delivered;
  for (const char* seg : {"a/segment-1.mp4", "b/segment-1.mp4"})
    delivered[seg] = std::stoll(
        ffprobe_value((dir / "job.state" / "shots" / seg).string(), "v:0", "stream=nb_frames"));
  EXPECT_EQ(decoded_per_segment(dir / "job.state", ledger), delivered);
}

INSTANTIATE_TEST_SUITE_P(Codecs, EncodeOnceTest,
                         ::testing::Values(std::make_pair("out/seq.mov", "prores_hq"),
                                           std::make_pair("out/seq.mp4", "h264")),
                         [](const auto& p) { return std::string(p.param.second); });
