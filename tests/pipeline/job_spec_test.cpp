// The job spec: defaults, every kind of reference, and errors that name line, column and shot.
#include <gtest/gtest.h>

#include "common/error.h"
#include "pipeline/job_spec.h"
#include "pipeline/plan.h"

using namespace shotchain;
using namespace shotchain::pipeline;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_job_spec(text, "job.json", "/base");
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    return e.what();
  }
  ADD_FAILURE() << "no error for: " << text;
  return {};
}

const char* kGood = R"({
  "model": "minimax/hailuo-02/standard",
  "defaults": { "duration": 6, "prompt_expansion": false },
  "output": { "path": "out/sequence.mov", "codec": "prores_hq", "fps": 25,
              "size": "1366x768", "timeline": ["otio", "edl"] },
  "shots": [
    { "id": "harbor", "reference": { "video": "footage/harbor.mp4", "at": "00:00:03.200" },
      "prompt": "slow dolly forward as gulls lift off", "segments": 3 },
    { "id": "face", "reference": { "image": "stills/face.png" }, "prompt": "she turns",
      "end_image": "stills/face_end.png", "duration": 10 },
    { "id": "after", "reference": { "shot": "harbor", "frame": "last" }, "prompt": "dusk falls" },
    { "id": "sharp", "reference": { "video": "/abs/v.mp4", "best_near": 2.5, "window": 0.5 },
      "prompt": "p" }
  ]
})";

} // namespace

TEST(JobSpec, ParsesEveryKindOfReferenceWithDefaults) {
  JobSpec job = parse_job_spec(kGood, "job.json", "/base");
  ASSERT_EQ(job.shots.size(), 4u);
  EXPECT_EQ(job.output.path, "/base/out/sequence.mov");
  EXPECT_EQ(job.output.width, 1366);
  EXPECT_EQ(job.output.height, 768);
  EXPECT_EQ(job.output.timelines, (std::vector<std::string>{"otio", "edl"}));
  const auto& h = job.shots[0];
  EXPECT_EQ(h.reference.kind, ReferenceSpec::Kind::video);
  EXPECT_EQ(h.reference.pick, ReferenceSpec::Pick::at);
  EXPECT_EQ(h.reference.time, "00:00:03.200");
  EXPECT_EQ(h.reference.path, "/base/footage/harbor.mp4");
  EXPECT_EQ(h.segments, 3);
  EXPECT_EQ(h.duration, 6);
  EXPECT_EQ(h.model, "minimax/hailuo-02/standard");
  EXPECT_EQ(h.line, 7);
  EXPECT_EQ(h.column, 5);
  const auto& f = job.shots[1];
  EXPECT_EQ(f.reference.kind, ReferenceSpec::Kind::image);
  EXPECT_EQ(f.duration, 10);
  ASSERT_TRUE(f.end_image);
  EXPECT_EQ(*f.end_image, "/base/stills/face_end.png");
  EXPECT_EQ(job.shots[2].reference.kind, ReferenceSpec::Kind::shot);
  EXPECT_EQ(job.shots[2].reference.shot, "harbor");
  EXPECT_EQ(job.shots[3].reference.pick, ReferenceSpec::Pick::best_near);
  EXPECT_EQ(job.shots[3].reference.time, "2.5");
  EXPECT_DOUBLE_EQ(job.shots[3].reference.window, 0.5);
  EXPECT_EQ(job.shots[3].reference.path, "/abs/v.mp4");
}

TEST(JobSpec, MinimalSpecGetsDocumentedDefaults) {
  JobSpec job = parse_job_spec(
      R"({"shots":[{"id":"a","reference":{"image":"a.png"},"prompt":"x"}]})", "story.json", "/b");
  EXPECT_EQ(job.model, kDefaultModel);
  EXPECT_EQ(job.output.codec, "prores_hq");
  EXPECT_EQ(job.output.path, "/b/out/story.mov");
  EXPECT_EQ(job.output.fps, 25);
  EXPECT_EQ(job.output.width, 0);
  EXPECT_EQ(job.output.timelines.size(), 3u);
  EXPECT_TRUE(job.output.qc);
  EXPECT_TRUE(job.output.contact_sheet);
  EXPECT_EQ(job.shots[0].segments, 1);
  EXPECT_EQ(job.shots[0].duration, 6);
  EXPECT_FALSE(job.shots[0].prompt_expansion);
}

TEST(JobSpec, UnknownFieldNamesLineColumnAndShot) {
  std::string text =
      "{\n  \"shots\": [\n    {\"id\": \"harbor\",\n     \"promt\": \"typo\"}\n  ]\n}";
  std::string e = error_of(text);
  EXPECT_NE(e.find("job.json:4:6:"), std::string::npos) << e;
  EXPECT_NE(e.find("shot \"harbor\""), std::string::npos) << e;
  EXPECT_NE(e.find("promt"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown field"), std::string::npos) << e;
}

TEST(JobSpec, UnknownTopLevelAndNestedFieldsAreErrors) {
  EXPECT_NE(error_of(R"({"shots":[], "modle":"x"})").find("job.json:1:14: modle: unknown field"),
            std::string::npos);
  std::string e =
      error_of(R"({"shots":[{"id":"a","reference":{"image":"a.png","at":"1"},"prompt":"x"}]})");
  EXPECT_NE(e.find("shot \"a\": reference.at: only applies"), std::string::npos) << e;
  e = error_of(R"({"output":{"colour":1},"shots":[]})");
  EXPECT_NE(e.find("1:12: output.colour: unknown field"), std::string::npos) << e;
}

TEST(JobSpec, SyntaxErrorNamesLineAndColumn) {
  std::string e = error_of("{\n  \"shots\": [\n    {\"id\": \"a\",}\n  ]\n}");
  EXPECT_NE(e.find("job.json:3:16: invalid JSON"), std::string::npos) << e;
}

TEST(JobSpec, BadValuesNameTheShotAndField) {
  auto shot = [](const std::string& extra) {
    return R"({"shots":[{"id":"s1","reference":{"image":"a.png"},"prompt":"x")" + extra + "}]}";
  };
  std::string e = error_of(shot(R"(,"segments":0)"));
  EXPECT_NE(e.find("shot \"s1\": segments: 0 is out of range 1..20"), std::string::npos) << e;
  e = error_of(shot(R"(,"duration":8)"));
  EXPECT_NE(e.find("shot \"s1\": duration: 8 is not a supported duration"), std::string::npos) << e;
  e = error_of(shot(R"(,"segments":"3")"));
  EXPECT_NE(e.find("segments: must be an integer, not a string"), std::string::npos) << e;
  e = error_of(shot(R"(,"segments":2,"end_image":"e.png")"));
  EXPECT_NE(e.find("end_image: only a one-segment shot"), std::string::npos) << e;
  e = error_of(shot(R"(,"model":"Bad Model")"));
  EXPECT_NE(e.find("model: \"Bad Model\" is not a model id"), std::string::npos) << e;
  e = error_of(shot(R"(,"prompt":"x")"));
  EXPECT_NE(e.find("prompt: field given twice"), std::string::npos) << e;
  std::string long_prompt(2001, 'a');
  e = error_of(R"({"shots":[{"id":"s1","reference":{"image":"a.png"},"prompt":")" + long_prompt +
               "\"}]}");
  EXPECT_NE(e.find("prompt: 2001 characters is over the limit of 2000"), std::string::npos) << e;
}

TEST(JobSpec, ReferenceRules) {
  auto ref = [](const std::string& r) {
    return R"({"shots":[{"id":"a","reference":{"image":"a.png"},"prompt":"x"},)"
           R"({"id":"b","reference":)" +
           r + R"(,"prompt":"y"}]})";
  };
  EXPECT_NE(error_of(ref(R"({"video":"v.mp4"})")).find("needs exactly one of \"at\""),
            std::string::npos);
  EXPECT_NE(error_of(ref(R"({"video":"v.mp4","at":"1","last":true})")).find("exactly one"),
            std::string::npos);
  EXPECT_NE(error_of(ref(R"({"video":"v.mp4","at":"soon"})")).find("\"soon\" is not a time"),
            std::string::npos);
  EXPECT_NE(error_of(ref(R"({"video":"v.mp4","at":"1","window":2})")).find("window: only"),
            std::string::npos);
  EXPECT_NE(error_of(ref(R"({"shot":"nope"})")).find("no shot has the id \"nope\""),
            std::string::npos);
  EXPECT_NE(error_of(ref(R"({"shot":"b"})")).find("its own last frame"), std::string::npos);
  EXPECT_NE(error_of(ref(R"({"image":"i.png","video":"v.mp4"})")).find("exactly one of"),
            std::string::npos);
  // frame numbers and timecodes are accepted
  JobSpec job = parse_job_spec(ref(R"({"video":"v.mp4","frame":12})"), "j", "/");
  EXPECT_EQ(job.shots[1].reference.frame, 12);
  job = parse_job_spec(ref(R"({"video":"v.mp4","at":"00:00:01:05"})"), "j", "/");
  EXPECT_EQ(job.shots[1].reference.time, "00:00:01:05");
  job = parse_job_spec(ref(R"({"video":"v.mp4","frame":"last"})"), "j", "/");
  EXPECT_EQ(job.shots[1].reference.pick, ReferenceSpec::Pick::last);
}

TEST(JobSpec, CyclesAndDuplicateIdsAreErrors) {
  std::string e = error_of(R"({"shots":[{"id":"a","reference":{"shot":"b"},"prompt":"x"},)"
                           R"({"id":"b","reference":{"shot":"a"},"prompt":"y"}]})");
  EXPECT_NE(e.find("cycle"), std::string::npos) << e;
  e = error_of(R"({"shots":[{"id":"a","reference":{"image":"a.png"},"prompt":"x"},)"
               R"({"id":"a","reference":{"image":"a.png"},"prompt":"y"}]})");
  EXPECT_NE(e.find("shot \"a\": id: the id is used twice"), std::string::npos) << e;
  e = error_of(R"({"shots":[{"reference":{"image":"a.png"},"prompt":"x"}]})");
  EXPECT_NE(e.find("shots[0].id: missing"), std::string::npos) << e;
}

TEST(JobSpec, DependencyOrderPutsSourcesFirst) {
  JobSpec job = parse_job_spec(R"({"shots":[{"id":"c","reference":{"shot":"b"},"prompt":"x"},)"
                               R"({"id":"a","reference":{"image":"a.png"},"prompt":"y"},)"
                               R"({"id":"b","reference":{"shot":"a"},"prompt":"z"}]})",
                               "j", "/");
  EXPECT_EQ(job.dependency_order(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(JobSpec, OutputRules) {
  EXPECT_NE(error_of(R"({"output":{"codec":"vp9"},"shots":[]})").find("output.codec"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"output":{"path":"a.mp4"},"shots":[]})").find("needs \"codec\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"output":{"size":"1367x768"},"shots":[]})").find("must be even"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"output":{"timeline":["otio","otio"]},"shots":[]})").find("twice"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"shots":[]})").find("needs at least one shot"), std::string::npos);
  EXPECT_NE(error_of(R"({"model":"a/b"})").find("shots: missing"), std::string::npos);
}

TEST(Plan, FramesGenerationsAndPrice) {
  JobSpec job = parse_job_spec(kGood, "job.json", "/base");
  Plan p = make_plan(job);
  ASSERT_EQ(p.shots.size(), 4u);
  EXPECT_EQ(p.shots[0].frames, 3 * 150 - 2); // chained joins deduped
  EXPECT_EQ(p.shots[1].frames, 250);
  EXPECT_EQ(p.generations, 3 + 1 + 1 + 1);
  // "after" starts from harbor's last frame but does not follow it: no join dedupe
  EXPECT_FALSE(p.shots[2].joins_previous);
  EXPECT_EQ(p.frames, 448 + 250 + 150 + 150);
  ASSERT_TRUE(p.price);
  EXPECT_NEAR(*p.price, 5 * 0.23 + 0.56, 1e-9);
  std::string text = format_plan(p, "atlas");
  EXPECT_NE(text.find("1.71 USD"), std::string::npos) << text;
}

TEST(Plan, AdjacentShotReferenceJoinIsDedupedAndUnknownPriceSaysSo) {
  JobSpec job = parse_job_spec(
      R"({"model":"minimax/video-02","shots":[{"id":"a","reference":{"image":"a.png"},"prompt":"x"},)"
      R"({"id":"b","reference":{"shot":"a"},"prompt":"y","segments":2}]})",
      "j", "/");
  Plan p = make_plan(job);
  EXPECT_TRUE(p.shots[1].joins_previous);
  EXPECT_EQ(p.frames, 150 + 299 - 1);
  EXPECT_FALSE(p.price);
  EXPECT_NE(format_plan(p, "atlas").find("no price on record for minimax/video-02"),
            std::string::npos);
}

TEST(JobSpec, TimeAndModelSyntax) {
  // The spec takes times through the one TIME parser (common/time_spec.h): "01:30" is
  // accepted in a spec exactly as `frame --at 01:30` is.
  auto at_ok = [](const std::string& at) {
    try {
      parse_job_spec(R"({"shots":[{"id":"a","reference":{"video":"v.mp4","at":")" + at +
                         R"("},"prompt":"x"}]})",
                     "j", "/");
      return true;
    } catch (const Error&) {
      return false;
    }
  };
  for (const char* t : {"12.5", "3", "0", "00:00:03.200", "01:30", "0:01:02", "00:00:01:05",
                        "1:59:59:24", "00:00:01;05"})
    EXPECT_TRUE(at_ok(t)) << t;
  for (const char* t : {"", "a", "12.", ".5", "1:2:3", "00:60:00", "00:00:03.", "00:00:03:", "1:2",
                        "-1", "1e3", "00:00:03.1234567890", "00;00:01:05"})
    EXPECT_FALSE(at_ok(t)) << t;
  auto model_ok = [](const std::string& m) {
    try {
      parse_job_spec(R"({"model":")" + m +
                         R"(","shots":[{"id":"a","reference":{"image":"a.png"},"prompt":"x"}]})",
                     "j", "/");
      return true;
    } catch (const Error&) {
      return false;
    }
  };
  EXPECT_TRUE(model_ok("a/b"));
  EXPECT_TRUE(model_ok("minimax/hailuo-02/fast"));
  EXPECT_TRUE(model_ok("minimax/video-02"));
  EXPECT_FALSE(model_ok("a"));
  EXPECT_FALSE(model_ok("a//b"));
  EXPECT_FALSE(model_ok("A/b"));
  EXPECT_FALSE(model_ok("a/b/c/d/e"));
  EXPECT_FALSE(model_ok("a/b c"));
  EXPECT_FALSE(model_ok("/a/b"));
}
