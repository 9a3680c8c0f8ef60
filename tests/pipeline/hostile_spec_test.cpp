// Job specs an outside tester (or the fuzz target tests/fuzz/fuzz_job_spec.cpp) sent: each
// gives one bad_input error naming the file, never a crash. Each test names the finding.
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "pipeline/job_spec.h"

using namespace shotchain;
using namespace shotchain::pipeline;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_job_spec(text, "job.json", "/base");
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error for: " << text.substr(0, 200);
  return {};
}

} // namespace

// Finding: a chain a -> b -> (missing) made the cycle check follow a null pointer.
TEST(HostileSpec, ChainEndingAtMissingIdIsAnErrorNotACrash) {
  std::string e = error_of(R"({"shots":[{"id":"a","reference":{"shot":"b"},"prompt":"x"},)"
                           R"({"id":"b","reference":{"shot":"c"},"prompt":"y"}]})");
  EXPECT_NE(e.find("shot \"b\": reference.shot: no shot has the id \"c\""), std::string::npos) << e;
}

// Finding: RapidJSON's recursive parser overflowed the stack on deep nesting.
TEST(HostileSpec, DeepNestingIsRefusedWithTheLimit) {
  for (char open : {'[', '{'}) {
    std::string text = open == '[' ? std::string(100000, '[')
                                   : "{\"shots\":" + std::string(50000, '[') + std::string(1, ' ');
    std::string e = error_of(text);
    EXPECT_NE(e.find("job.json:"), std::string::npos) << e;
    EXPECT_NE(e.find("nested deeper than 64 levels"), std::string::npos) << e;
  }
  std::string objects;
  for (int i = 0; i < 20000; ++i) objects += "{\"a\":";
  EXPECT_NE(error_of(objects).find("nested deeper than 64 levels"), std::string::npos);
}

// Nesting within the limit is still read (and then judged by the spec's own rules).
TEST(HostileSpec, NestingWithinTheLimitIsParsed) {
  std::string e =
      error_of("{\"shots\":[], \"x\":" + std::string(60, '[') + std::string(60, ']') + "}");
  EXPECT_NE(e.find("unknown field"), std::string::npos) << e;
}

// Finding: kParseFullPrecisionFlag made RapidJSON 1.1.0 misread some valid numbers (0e44).
TEST(HostileSpec, NumbersAreReadExactly) {
  JobSpec job = parse_job_spec(
      R"({"shots":[{"id":"a","reference":{"video":"v.mp4","best_near":0e44,"window":5e-1},)"
      R"("prompt":"x","segments":2e0}]})",
      "job.json", "/base");
  ASSERT_EQ(job.shots.size(), 1u);
  EXPECT_EQ(job.shots[0].reference.time, "0");
  EXPECT_EQ(job.shots[0].reference.window, 0.5);
  EXPECT_EQ(job.shots[0].segments, 2);
}

// A spec larger than the reader's size limit is refused before parsing.
TEST(HostileSpec, OversizedSpecIsRefused) {
  std::string text = "{\"shots\":[], \"pad\":\"" + std::string(17u << 20, 'x') + "\"}";
  EXPECT_NE(error_of(text).find("larger than 16777216 bytes"), std::string::npos);
}

// Many keys in one object: duplicates are still found (by a set, not a quadratic scan).
TEST(HostileSpec, DuplicateKeyAmongManyIsFound) {
  std::string text = "{\"defaults\":{}, \"x\":{";
  for (int i = 0; i < 50000; ++i) text += "\"k" + std::to_string(i) + "\":1,";
  text += "\"k7\":2}}";
  EXPECT_NE(error_of(text).find("k7: field given twice"), std::string::npos);
}

// A host that builds a JobSpec by hand gets an error for a dangling reference, not a crash.
TEST(HostileSpec, DependencyOrderOfHandBuiltSpecWithMissingShotThrows) {
  JobSpec job;
  ShotSpec s;
  s.id = "a";
  s.reference.kind = ReferenceSpec::Kind::shot;
  s.reference.shot = "missing";
  job.shots.push_back(s);
  EXPECT_THROW(job.dependency_order(), Error);
  job.shots[0].reference.shot = "a"; // itself: a cycle
  EXPECT_THROW(job.dependency_order(), Error);
}
