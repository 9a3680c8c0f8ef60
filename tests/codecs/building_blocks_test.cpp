// The codecs building blocks end to end: encode with our encoders and muxer, check the files
// with ffprobe (an independent oracle), decode them back, and exercise the still-image helpers.
#include <gtest/gtest.h>

extern "C" {
#include <libavutil/pixfmt.h>
#include <libavutil/samplefmt.h>
}

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "codecs/audio_encoder.h"
#include "codecs/audio_resampler.h"
#include "codecs/decoder.h"
#include "codecs/image_file.h"
#include "codecs/input_file.h"
#include "codecs/media_info.h"
#include "codecs/output_file.h"
#include "codecs/video_conform.h"
#include "codecs/video_encoder.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

namespace sc = shotchain::codecs;
using shotchain::test::ffprobe_value;
using shotchain::test::list_dir;
using shotchain::test::TempDir;

namespace {

// A moving gradient in RGB24 so encoders have something real to code.
sc::Frame test_picture(int w, int h, int n) {
  sc::Frame f = sc::Frame::video(w, h, AV_PIX_FMT_RGB24);
  for (int y = 0; y < h; ++y) {
    uint8_t* row = f.av()->data[0] + y * f.av()->linesize[0];
    for (int x = 0; x < w; ++x) {
      row[3 * x] = static_cast<uint8_t>((x + n * 3) & 255);
      row[3 * x + 1] = static_cast<uint8_t>((y * 2) & 255);
      row[3 * x + 2] = static_cast<uint8_t>((x + y + n) & 255);
    }
  }
  return f;
}

// Writes `frames` frames of video (and a 440 Hz tone when `audio`) with our blocks.
void write_clip(const std::filesystem::path& out, sc::VideoCodec codec, int frames, bool audio,
                const std::string& timecode = "") {
  sc::OutputOptions oo;
  oo.timecode = timecode;
  sc::OutputFile file(out, oo);
  sc::VideoEncoderSettings vs;
  vs.codec = codec;
  vs.width = 160;
  vs.height = 90;
  vs.frame_rate = {25, 1};
  vs.preset = "ultrafast";
  vs.global_header = file.needs_global_header();
  sc::VideoEncoder venc(vs);
  int vstream = file.add_video_stream(venc);
  std::optional<sc::AudioEncoder> aenc;
  int astream = -1;
  if (audio) {
    sc::AudioEncoderSettings as;
    as.codec = sc::is_prores(codec) ? sc::AudioCodec::pcm_s16le : sc::AudioCodec::aac;
    as.global_header = file.needs_global_header();
    aenc.emplace(as);
    astream = file.add_audio_stream(*aenc);
  }
  sc::ConformSettings cs;
  cs.width = vs.width;
  cs.height = vs.height;
  cs.pixel_format = venc.pixel_format();
  sc::VideoConformer conform(cs);
  sc::AudioResampler resample({48000, 2, aenc ? aenc->sample_format() : AV_SAMPLE_FMT_S16});
  for (int i = 0; i < frames; ++i) {
    sc::Frame pic = conform.convert(test_picture(200, 120, i));
    pic.set_pts(i);
    file.encode(venc, vstream, &pic);
    if (aenc) {
      // 1920 samples of mono float per frame (48 kHz / 25), resampled to the encoder's format.
      sc::Frame a = sc::Frame::audio(1920, 48000, 1, AV_SAMPLE_FMT_FLT);
      auto* s = reinterpret_cast<float*>(a.av()->data[0]);
      for (int k = 0; k < 1920; ++k)
        s[k] = 0.3f * std::sin((i * 1920 + k) * 2 * M_PI * 440 / 48000);
      sc::Frame r = resample.convert(a);
      file.encode(*aenc, astream, &r);
    }
  }
  file.encode(venc, vstream, nullptr);
  if (aenc) {
    sc::Frame tail = resample.flush();
    file.encode(*aenc, astream, &tail);
    file.encode(*aenc, astream, nullptr);
  }
  file.commit();
}

} // namespace

TEST(BuildingBlocks, H264Mp4WithAacIsWhatFfprobeSees) {
  TempDir dir;
  auto out = dir / "clip.mp4";
  write_clip(out, sc::VideoCodec::h264, 30, true);
  EXPECT_EQ(ffprobe_value(out.string(), "v:0", "stream=codec_name"), "h264");
  EXPECT_EQ(ffprobe_value(out.string(), "v:0", "stream=pix_fmt"), "yuv420p");
  EXPECT_EQ(ffprobe_value(out.string(), "v:0", "stream=avg_frame_rate"), "25/1");
  EXPECT_EQ(ffprobe_value(out.string(), "v:0", "stream=nb_frames"), "30");
  EXPECT_EQ(ffprobe_value(out.string(), "v:0", "stream=color_primaries"), "bt709");
  EXPECT_EQ(ffprobe_value(out.string(), "a:0", "stream=codec_name"), "aac");
  EXPECT_EQ(list_dir(dir.path()), "clip.mp4");

  // Decode it back with our decoder: 30 frames, pts 0..29 at 25 fps.
  sc::InputFile in(out);
  sc::VideoDecoder dec(in);
  sc::Frame f;
  int n = 0;
  double last = -1;
  while (dec.next(in, f)) {
    EXPECT_GT(f.seconds(), last);
    last = f.seconds();
    ++n;
  }
  EXPECT_EQ(n, 30);
  EXPECT_NEAR(last, 29 / 25.0, 1e-6);

  auto info = sc::probe(out);
  ASSERT_NE(info.video(), nullptr);
  EXPECT_EQ(info.video()->width, 160);
  EXPECT_EQ(info.video()->frame_count, 30);
  EXPECT_EQ(info.video()->average_frame_rate, (sc::Rational{25, 1}));
  ASSERT_NE(info.audio(), nullptr);
  EXPECT_EQ(info.audio()->sample_rate, 48000);
  EXPECT_EQ(info.audio()->channels, 2);
}

TEST(BuildingBlocks, ProResHqMovHasProfileVendorTagsAndTimecode) {
  TempDir dir;
  auto out = dir / "clip.mov";
  write_clip(out, sc::VideoCodec::prores_hq, 10, true, "01:00:00:00");
  EXPECT_EQ(ffprobe_value(out.string(), "v:0", "stream=codec_name"), "prores");
  EXPECT_EQ(ffprobe_value(out.string(), "v:0", "stream=profile"), "HQ");
  EXPECT_EQ(ffprobe_value(out.string(), "v:0", "stream=pix_fmt"), "yuv422p10le");
  EXPECT_EQ(ffprobe_value(out.string(), "v:0", "stream=color_transfer"), "bt709");
  EXPECT_EQ(ffprobe_value(out.string(), "v:0", "stream=color_space"), "bt709");
  EXPECT_EQ(ffprobe_value(out.string(), "v:0", "stream_tags=vendor_id"), "apl0");
  EXPECT_EQ(ffprobe_value(out.string(), "a:0", "stream=codec_name"), "pcm_s16le");
  EXPECT_EQ(sc::probe(out).timecode, "01:00:00:00");
}

TEST(BuildingBlocks, CopyRemuxKeepsEveryPacket) {
  TempDir dir;
  auto src = dir / "src.mp4";
  write_clip(src, sc::VideoCodec::h264, 20, true);
  auto out = dir / "copy.mov";
  {
    sc::InputFile in(src);
    sc::OutputFile file(out);
    std::vector<int> map(in.stream_count(), -1);
    for (int i = 0; i < in.stream_count(); ++i) map[i] = file.add_copy_stream(in, i);
    sc::Packet pkt;
    while (in.read(pkt)) file.write(pkt, map[pkt.stream_index()], in.time_base(pkt.stream_index()));
    file.commit();
  }
  EXPECT_EQ(ffprobe_value(out.string(), "v:0", "stream=nb_frames"), "20");
  EXPECT_EQ(ffprobe_value(out.string(), "a:0", "stream=codec_name"), "aac");
}

TEST(BuildingBlocks, UncommittedOutputLeavesNothing) {
  TempDir dir;
  {
    sc::OutputFile file(dir / "never.mp4");
    sc::VideoEncoderSettings vs;
    vs.width = 64;
    vs.height = 64;
    vs.preset = "ultrafast";
    vs.global_header = file.needs_global_header();
    sc::VideoEncoder venc(vs);
    int s = file.add_video_stream(venc);
    sc::ConformSettings cs;
    cs.width = 64;
    cs.height = 64;
    cs.pixel_format = venc.pixel_format();
    sc::VideoConformer conform(cs);
    sc::Frame pic = conform.convert(test_picture(64, 64, 0));
    pic.set_pts(0);
    file.encode(venc, s, &pic);
    file.encode(venc, s, nullptr);
  }
  EXPECT_EQ(list_dir(dir.path()), "");
}

TEST(BuildingBlocks, StillImagesRoundTrip) {
  TempDir dir;
  auto png = dir / "a.png";
  sc::write_image(test_picture(101, 57, 0), png); // odd size
  auto info = sc::image_info(png);
  EXPECT_EQ(info.width, 101);
  EXPECT_EQ(info.height, 57);
  EXPECT_EQ(info.codec, "png");
  sc::Frame back = sc::read_image(png);
  EXPECT_EQ(back.width(), 101);
  EXPECT_EQ(back.pixel_format(), AV_PIX_FMT_RGB24);
  // Lossless: the same pixels come back.
  sc::Frame orig = test_picture(101, 57, 0);
  for (int y = 0; y < 57; ++y)
    ASSERT_EQ(0, std::memcmp(orig.av()->data[0] + y * orig.av()->linesize[0],
                             back.av()->data[0] + y * back.av()->linesize[0], 101 * 3));
  auto jpg = dir / "b.jpg";
  sc::ImageWriteOptions opts;
  opts.jpeg_quality = 80;
  sc::write_image(back, jpg, opts);
  EXPECT_EQ(sc::image_info(jpg).codec, "mjpeg");
  auto png2 = dir / "c.png";
  sc::convert_image_to_png(jpg, png2);
  EXPECT_EQ(ffprobe_value(png2.string(), "v:0", "stream=width"), "101");
}

// Guards the JPEG reference path: FFmpeg's probe hands a file named .jpg to the image2
// demuxer (refused by our whitelist); the signature sniff must open it with jpeg_pipe.
TEST(BuildingBlocks, JpegMadeByFfmpegOpensAsStill) {
  TempDir dir;
  auto jpg = dir / "ref.jpg";
  shotchain::test::ffmpeg(
      {"-f", "lavfi", "-i", "testsrc2=size=640x360", "-frames:v", "1", jpg.string()});
  auto info = sc::image_info(jpg);
  EXPECT_EQ(info.width, 640);
  EXPECT_EQ(info.height, 360);
  EXPECT_EQ(info.codec, "mjpeg");
  sc::Frame f = sc::read_image(jpg);
  EXPECT_EQ(f.height(), 360);
  // The same bytes under another name still open by signature, not by extension.
  auto renamed = dir / "ref.bmp";
  std::filesystem::copy_file(jpg, renamed);
  EXPECT_EQ(sc::image_info(renamed).codec, "mjpeg");
}

namespace {

// A flat YUV 4:4:4 picture of strong colour (Y 120, U 60, V 200) with the given matrix tag.
sc::Frame flat_yuv444(int w, int h, int colorspace = AVCOL_SPC_UNSPECIFIED) {
  sc::Frame f = sc::Frame::video(w, h, AV_PIX_FMT_YUV444P);
  for (int p = 0; p < 3; ++p)
    for (int y = 0; y < h; ++y)
      std::memset(f.av()->data[p] + y * f.av()->linesize[p], p == 0 ? 120 : (p == 1 ? 60 : 200), w);
  f.av()->colorspace = static_cast<AVColorSpace>(colorspace);
  return f;
}

// An untagged picture conformed to BT.709 YUV at the same size: the largest change of any
// chroma sample.
int chroma_change_of_untagged(int w, int h) {
  sc::Frame in = flat_yuv444(w, h);
  sc::ConformSettings cs;
  cs.pixel_format = AV_PIX_FMT_YUV444P;
  sc::VideoConformer conform(cs);
  sc::Frame out = conform.convert(in);
  int worst = 0;
  for (int p = 1; p < 3; ++p)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        worst = std::max(worst, std::abs(out.av()->data[p][y * out.av()->linesize[p] + x] -
                                         in.av()->data[p][y * in.av()->linesize[p] + x]));
  return worst;
}

} // namespace

// Untagged HD is BT.709 (as players show it), so conforming it to BT.709 keeps the samples;
// untagged SD is BT.601 and is converted.
TEST(BuildingBlocks, UntaggedYuvMatrixIsGuessedBySize) {
  EXPECT_LE(chroma_change_of_untagged(1366, 768), 1);
  EXPECT_LE(chroma_change_of_untagged(1280, 720), 1);
  EXPECT_GE(chroma_change_of_untagged(640, 360), 8);
}

// The conformer reuses an output picture's memory only once nobody holds it: a picture still
// held keeps its content while later ones are converted; a released one is reused.
TEST(BuildingBlocks, ConformerReusesOnlyReleasedPictures) {
  sc::ConformSettings cs;
  cs.width = 64;
  cs.height = 36;
  cs.pixel_format = AV_PIX_FMT_YUV420P;
  sc::VideoConformer conform(cs);
  sc::Frame held = conform.convert(test_picture(200, 120, 0));
  const std::vector<uint8_t> before(held.av()->data[0],
                                    held.av()->data[0] + held.av()->linesize[0] * 36);
  const uint8_t* held_memory = held.av()->data[0];
  for (int n = 1; n < 8; ++n) {
    sc::Frame other = conform.convert(test_picture(200, 120, n * 20));
    EXPECT_NE(other.av()->data[0], held_memory) << n;
  }
  EXPECT_TRUE(std::equal(before.begin(), before.end(), held.av()->data[0]));
  held = sc::Frame(); // released: its memory may serve again
  bool reused = false;
  for (int n = 0; n < 8; ++n)
    reused |= conform.convert(test_picture(200, 120, n)).av()->data[0] == held_memory;
  EXPECT_TRUE(reused);
}

// One conformer serving clip after clip: a BT.601 source converted before must not leave its
// matrices on the scaler for a BT.709 source that follows (which needs no conversion).
TEST(BuildingBlocks, ReconfiguredConformerForgetsThePreviousSourcesMatrix) {
  sc::ConformSettings cs;
  cs.pixel_format = AV_PIX_FMT_YUV444P;
  sc::VideoConformer conform(cs);
  sc::Frame first = conform.convert(flat_yuv444(320, 180, AVCOL_SPC_BT470BG));
  EXPECT_NE(first.av()->data[1][0], 60); // BT.601 -> BT.709 moved the chroma
  conform.reconfigure(cs);
  sc::Frame second = conform.convert(flat_yuv444(320, 180, AVCOL_SPC_BT709));
  EXPECT_NEAR(second.av()->data[1][0], 60, 1);
  EXPECT_NEAR(second.av()->data[2][0], 200, 1);
}
