// Bounded JSON reading: deep nesting, size, trailing garbage and numbers that RapidJSON's
// full-precision flag misreads.
#include "common/json_read.h"

#include <gtest/gtest.h>

#include <string>

namespace shotchain::json {
namespace {

TEST(JsonRead, DeepNestingIsRefusedWithoutRecursionAndNamesTheLimit) {
  // 200,000 brackets would overflow the stack of RapidJSON's recursive parser.
  std::string deep(200000, '[');
  rapidjson::Document doc;
  auto r = parse(doc, deep);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.reason, "nested deeper than 64 levels");
  EXPECT_EQ(r.offset, 64u);
  EXPECT_TRUE(doc.IsNull());
}

TEST(JsonRead, NestingAtTheLimitIsAccepted) {
  std::string ok = std::string(64, '[') + std::string(64, ']');
  rapidjson::Document doc;
  EXPECT_TRUE(parse(doc, ok));
  EXPECT_TRUE(doc.IsArray());
  std::string over = std::string(65, '[') + std::string(65, ']');
  EXPECT_FALSE(parse(doc, over));
}

TEST(JsonRead, SizeLimitIsCheckedBeforeParsing) {
  rapidjson::Document doc;
  auto r = parse(doc, std::string(100, ' ') + "{}", Limits{64, 64});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.reason, "larger than 64 bytes");
}

TEST(JsonRead, NumbersAreReadExactlyIncludingZeroWithAHugeExponent) {
  rapidjson::Document doc;
  ASSERT_TRUE(parse(doc, R"({"a":0e44,"b":1.5,"c":-0.0e-400,"d":12345678901234567890})"));
  EXPECT_EQ(doc["a"].GetDouble(), 0.0);
  EXPECT_EQ(doc["b"].GetDouble(), 1.5);
  EXPECT_EQ(doc["c"].GetDouble(), 0.0);
  EXPECT_TRUE(doc["d"].IsUint64());
}

TEST(JsonRead, TrailingGarbageAndEmbeddedNulAreErrorsButTrailingSpaceIsNot) {
  rapidjson::Document doc;
  EXPECT_TRUE(parse(doc, "{\"a\":1}  \n"));
  auto r = parse(doc, "{\"a\":1} x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.offset, 8u);
  EXPECT_FALSE(parse(doc, std::string("{\"a\":\"x\0y\"}", 11)));
  EXPECT_FALSE(parse(doc, std::string("{}\0", 3)));
}

TEST(JsonRead, TextNeedNotBeNulTerminated) {
  std::string buffer = "[1,2]]]]";
  rapidjson::Document doc;
  ASSERT_TRUE(parse(doc, std::string_view(buffer).substr(0, 5)));
  EXPECT_EQ(doc.Size(), 2u);
}

} // namespace
} // namespace shotchain::json
