// shotchain probe [--json] and codecs::probe, checked against ffprobe.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "codecs/media_info.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using test::ffmpeg;
using test::ffprobe_value;
using test::run_shotchain;
using test::TempDir;

TEST(Probe, JsonDescribesStreamsRatesColourAudioAndTimecode) {
  TempDir dir;
  auto src = (dir / "src.mov").string();
  ffmpeg({"-f",
          "lavfi",
          "-i",
          "testsrc2=size=320x240:rate=30000/1001:duration=1",
          "-f",
          "lavfi",
          "-i",
          "sine=duration=1:sample_rate=48000",
          "-ac",
          "2",
          "-c:v",
          "libx264",
          "-preset",
          "ultrafast",
          "-pix_fmt",
          "yuv420p10le",
          "-color_primaries",
          "bt2020",
          "-color_trc",
          "smpte2084",
          "-colorspace",
          "bt2020nc",
          "-c:a",
          "aac",
          "-timecode",
          "10:00:00;00",
          src});
  auto r = run_shotchain({"probe", src, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rapidjson::Document d;
  ASSERT_FALSE(d.Parse(r.out.c_str()).HasParseError()) << r.out;
  EXPECT_STREQ(d["container"].GetString(), "mov,mp4,m4a,3gp,3g2,mj2");
  EXPECT_NEAR(d["duration"].GetDouble(), std::stod(ffprobe_value(src, "v:0", "format=duration")),
              1e-3);
  EXPECT_STREQ(d["timecode"].GetString(), "10:00:00;00");
  const auto& streams = d["streams"].GetArray();
  ASSERT_GE(streams.Size(), 2u);
  const auto& v = streams[0];
  EXPECT_STREQ(v["type"].GetString(), "video");
  EXPECT_STREQ(v["codec"].GetString(), "h264");
  EXPECT_EQ(v["profile"].GetString(), ffprobe_value(src, "v:0", "stream=profile"));
  EXPECT_EQ(v["width"].GetInt(), 320);
  EXPECT_EQ(v["height"].GetInt(), 240);
  EXPECT_STREQ(v["pixel_format"].GetString(), "yuv420p10le");
  EXPECT_EQ(v["bit_depth"].GetInt(), 10);
  EXPECT_EQ(v["average_frame_rate"]["num"].GetInt(), 30000);
  EXPECT_EQ(v["average_frame_rate"]["den"].GetInt(), 1001);
  EXPECT_EQ(v["real_frame_rate"]["num"].GetInt(), 30000);
  EXPECT_EQ(std::to_string(v["frame_count"].GetInt64()),
            ffprobe_value(src, "v:0", "stream=nb_frames"));
  EXPECT_STREQ(v["color_primaries"].GetString(), "bt2020");
  EXPECT_STREQ(v["color_transfer"].GetString(), "smpte2084");
  EXPECT_STREQ(v["color_matrix"].GetString(), "bt2020nc");
  EXPECT_STREQ(v["color_range"].GetString(), "tv");
  EXPECT_EQ(v["rotation"].GetInt(), 0);
  const auto& a = streams[1];
  EXPECT_STREQ(a["type"].GetString(), "audio");
  EXPECT_STREQ(a["codec"].GetString(), "aac");
  EXPECT_EQ(a["sample_rate"].GetInt(), 48000);
  EXPECT_EQ(a["channels"].GetInt(), 2);
  EXPECT_STREQ(a["channel_layout"].GetString(), "stereo");

  auto text = run_shotchain({"probe", src});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("timecode: 10:00:00;00"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("29.970 (30000/1001)"), std::string::npos) << text.out;
}

TEST(Probe, StillImageAndVariableRate) {
  TempDir dir;
  auto png = (dir / "a.png").string();
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", png});
  auto info = codecs::probe(png);
  EXPECT_TRUE(info.is_image);
  ASSERT_NE(info.video(), nullptr);
  EXPECT_EQ(info.video()->width, 64);
  EXPECT_EQ(info.video()->codec, "png");

  auto vfr = (dir / "vfr.mkv").string();
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=2", "-vf",
          "select=lt(mod(n\\,5)\\,2)", "-vsync", "vfr", "-c:v", "libx264", "-preset", "ultrafast",
          vfr});
  auto v = codecs::probe(vfr);
  ASSERT_NE(v.video(), nullptr);
  EXPECT_TRUE(v.video()->variable_frame_rate);
  EXPECT_EQ(v.audio(), nullptr);
}
