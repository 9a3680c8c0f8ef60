// The one scrubber for outside text: what a hostile or broken peer sends must come out with no
// secret, no credential, no URL query and nothing that drives a terminal.
#include "common/scrub.h"

#include <gtest/gtest.h>

#include <string>

namespace shotchain {
namespace {

class ScrubTest : public ::testing::Test {
 protected:
  void SetUp() override { register_secret("sk-live-0123456789abcdef"); }
  void TearDown() override { clear_secrets(); }
};

TEST_F(ScrubTest, RegisteredSecretNeverSurvivesEvenWhenEchoedInsideOtherText) {
  std::string echoed =
      "invalid key sk-live-0123456789abcdef (got sk-live-0123456789abcdefsk-live-0123456789abcdef)";
  std::string out = scrub(echoed);
  EXPECT_EQ(out.find("sk-live"), std::string::npos) << out;
  EXPECT_NE(out.find("<redacted>"), std::string::npos);
}

TEST_F(ScrubTest, SecretSplitByControlBytesOrCutAtTheLengthCapIsStillGone) {
  // The secret right at the cap: cutting must not leave a readable prefix longer than the cap
  // allows, and the whole secret is replaced before the cut.
  std::string text = std::string(290, 'a') + "sk-live-0123456789abcdef";
  std::string out = scrub(text, 300);
  EXPECT_EQ(out.find("sk-live-0123"), std::string::npos) << out;
  EXPECT_LE(out.size(), 303u);
}

TEST_F(ScrubTest, AuthorizationAndBearerValuesAreRedactedWhateverTheCase) {
  EXPECT_EQ(scrub("sent AUTHORIZATION: Bearer abc.def.ghi to it"),
            "sent AUTHORIZATION: Bearer <redacted> to it");
  EXPECT_EQ(scrub("authorization=tok123&x=1 rest"), "authorization=<redacted> rest");
  EXPECT_EQ(scrub("bearer xyz"), "bearer <redacted>");
}

TEST_F(ScrubTest, UrlQueriesAndUserInfoAreRedactedInsideFreeText) {
  EXPECT_EQ(scrub("moved to https://u:p@cdn.example/a/b.mp4?X-Amz-Signature=s3cr3t#frag now"),
            "moved to https://<redacted>@cdn.example/a/b.mp4?<redacted> now");
  EXPECT_EQ(scrub("\"https://h/x?a=1\",\"http://127.0.0.1:9/y\""),
            "\"https://h/x?<redacted>\",\"http://127.0.0.1:9/y\"");
}

TEST_F(ScrubTest, AQueryAfterACommaOrBracketInThePathIsStillRedacted) {
  EXPECT_EQ(scrub("see https://h/a,b(c)?sig=s3cr3t end"), "see https://h/a,b(c)?<redacted> end");
}

TEST_F(ScrubTest, ControlBytesAndInvalidUtf8AreEscapedSoNothingDrivesTheTerminal) {
  std::string hostile = "ok\x1b[2J\x07\r\nnext\xff\xc0\xaf\xc2\x9b";
  EXPECT_EQ(scrub(hostile), "ok\\x1b[2J\\x07  next\\xff\\xc0\\xaf\\xc2\\x9b");
  EXPECT_EQ(scrub("caf\xc3\xa9 \xe6\x97\xa5"), "caf\xc3\xa9 \xe6\x97\xa5"); // valid UTF-8 kept
  EXPECT_EQ(scrub_keep_lines("a\nb\tc\x1b"), "a\nb\tc\\x1b");
}

TEST_F(ScrubTest, LongTextIsCutAtACharacterBoundary) {
  std::string text(10, 'x');
  for (int i = 0; i < 100; ++i) text += "\xc3\xa9";
  std::string out = scrub(text, 11);
  EXPECT_EQ(out, "xxxxxxxxxx...");
}

TEST_F(ScrubTest, ShortSecretsAreIgnoredRatherThanManglingOrdinaryText) {
  register_secret("ab");
  register_secret("");
  EXPECT_EQ(scrub("about a cab"), "about a cab");
}

} // namespace
} // namespace shotchain
