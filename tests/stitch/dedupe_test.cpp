// The join decision from its two measurements.
#include <gtest/gtest.h>

#include "common/error.h"
#include "stages/stitch/dedupe.h"
#include "stages/stitch/stitch.h"

using shotchain::stitch::decide_join;

TEST(JoinDecision, NearIdenticalFirstFrameIsDropped) {
  EXPECT_TRUE(decide_join(48.0, 47.5).drop); // static shot: both close, first near-identical
  EXPECT_TRUE(decide_join(100.0, std::nullopt).drop);
}

TEST(JoinDecision, ClearlyBetterMatchIsDropped) {
  auto d = decide_join(36.0, 24.0);
  EXPECT_TRUE(d.drop);
  EXPECT_NE(d.reason.find("36.00"), std::string::npos) << d.reason;
}

TEST(JoinDecision, UnrelatedOrAmbiguousKeepsTheFrame) {
  EXPECT_FALSE(decide_join(12.0, 11.0).drop); // unrelated
  EXPECT_FALSE(decide_join(33.0, 32.5).drop); // not clearly better than the second
  EXPECT_FALSE(decide_join(26.0, 10.0).drop); // better, but not a match
  EXPECT_FALSE(decide_join(30.0, std::nullopt).drop);
}

TEST(StitchOptions, Parsing) {
  using namespace shotchain::stitch;
  EXPECT_EQ(parse_codec("auto"), Codec::automatic);
  EXPECT_EQ(parse_codec("prores_4444"), Codec::prores_4444);
  EXPECT_THROW(parse_codec("vp9"), shotchain::Error);
  EXPECT_EQ(parse_fps("25"), (Rational{25, 1}));
  EXPECT_EQ(parse_fps("29.97"), (Rational{30000, 1001}));
  EXPECT_EQ(parse_fps("23.976"), (Rational{24000, 1001}));
  EXPECT_EQ(parse_fps("59.94"), (Rational{60000, 1001}));
  EXPECT_THROW(parse_fps("241"), shotchain::Error);
  EXPECT_EQ(parse_fps("24000/1001"), (Rational{24000, 1001}));
  EXPECT_THROW(parse_fps("0"), shotchain::Error);
  EXPECT_THROW(parse_fps("abc"), shotchain::Error);
  EXPECT_EQ(parse_size("1366x768"), (Size{1366, 768}));
  EXPECT_THROW(parse_size("1366"), shotchain::Error);
  EXPECT_THROW(parse_size("1365x768"), shotchain::Error);
  auto t = parse_timelines("otio,edl");
  EXPECT_TRUE(t.otio && t.edl && !t.fcpxml);
  EXPECT_THROW(parse_timelines("otio,xml"), shotchain::Error);
  EXPECT_EQ(parse_fit("crop"), Fit::crop);
}
