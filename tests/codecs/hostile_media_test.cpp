// Media whose headers carry numbers FFmpeg keeps as they are: an MPEG-4 stream in AVI whose
// colour description says primaries 205 (found by the media_probe fuzz target; loading it as
// AVColorPrimaries is undefined behaviour). Stream parameters and decoded frames must hold
// listed values only, and every command reading the file must work or fail cleanly.
#include <gtest/gtest.h>

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <cstring>
#include <string>

#include "codecs/decoder.h"
#include "codecs/input_file.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;

namespace {

const std::string kFile = std::string(SHOTCHAIN_SOURCE_DIR) +
                          "/tests/fuzz/corpus/media_probe/avi-colour-primaries-205.avi";

template <class Enum>
int bits(const Enum& field) {
  int v = 0;
  std::memcpy(&v, &field, sizeof v);
  return v;
}

} // namespace

TEST(HostileMedia, UnlistedColourValuesInStreamParametersBecomeUnspecified) {
  codecs::InputFile in(kFile);
  const AVCodecParameters* par = in.stream(0)->codecpar;
  EXPECT_EQ(bits(par->color_primaries), AVCOL_PRI_UNSPECIFIED);
  EXPECT_LT(bits(par->color_trc), AVCOL_TRC_NB);
  EXPECT_LT(bits(par->color_space), AVCOL_SPC_NB);
}

TEST(HostileMedia, UnlistedColourValuesInDecodedFramesBecomeUnspecified) {
  codecs::InputFile in(kFile);
  codecs::VideoDecoder dec(in, -1, 1);
  codecs::Frame f;
  int frames = 0;
  while (dec.next(in, f)) {
    ++frames;
    EXPECT_EQ(bits(f.av()->color_primaries), AVCOL_PRI_UNSPECIFIED);
    EXPECT_LT(bits(f.av()->color_trc), AVCOL_TRC_NB);
    EXPECT_LT(bits(f.av()->colorspace), AVCOL_SPC_NB);
  }
  EXPECT_GT(frames, 0);
}

TEST(HostileMedia, CommandsReadTheFileOrRefuseItCleanly) {
  test::TempDir dir;
  auto probe = test::run_shotchain({"probe", kFile});
  EXPECT_EQ(probe.exit_code, 0) << probe.err;
  EXPECT_NE(probe.out.find("primaries unknown"), std::string::npos) << probe.out;
  auto frame = test::run_shotchain({"frame", kFile, "--last", "-o", (dir / "last.png").string()});
  EXPECT_TRUE(frame.exit_code == 0 || frame.exit_code == 2) << frame.err;
}
