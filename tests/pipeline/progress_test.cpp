// Progress sinks: --json events (one JSON object per line) and plain log lines.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "pipeline/progress_sinks.h"

using namespace shotchain;
using namespace shotchain::pipeline;

namespace {
std::string capture(ProgressSink& sink, std::FILE* f, const std::vector<ProgressEvent>& events) {
  for (const auto& e : events) sink.on_event(e);
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  return out;
}

ProgressEvent ev(ProgressEvent::Kind k, std::string shot, std::string stage, int seg = -1,
                 std::string state = {}, std::string msg = {}) {
  ProgressEvent e;
  e.kind = k;
  e.shot_id = std::move(shot);
  e.stage = std::move(stage);
  e.segment = seg;
  e.segments = seg >= 0 ? 3 : -1;
  e.service_state = std::move(state);
  e.message = std::move(msg);
  return e;
}
} // namespace

TEST(Progress, JsonEventHasShotSegmentStateAndEscapes) {
  std::string j = event_json(
      ev(ProgressEvent::Kind::progress, "harbor", "generate", 1, "processing", "say \"hi\"\n"),
      1.5);
  EXPECT_EQ(j, R"({"event":"progress","t":1.5,"shot":"harbor","stage":"generate","segment":2,)"
               R"("segments":3,"state":"processing","message":"say \"hi\"\n"})");
}

TEST(Progress, JsonLinesSinkWritesOneLinePerEvent) {
  std::FILE* f = std::tmpfile();
  JsonLinesSink sink(f);
  std::string out = capture(sink, f,
                            {ev(ProgressEvent::Kind::started, "a", "generate", 0),
                             ev(ProgressEvent::Kind::finished, "a", "generate", 0)});
  std::fclose(f);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
  EXPECT_NE(out.find("\"event\":\"started\""), std::string::npos);
  EXPECT_NE(out.find("\"event\":\"finished\""), std::string::npos);
}

TEST(Progress, LogLinesShowStateChangesOnceAndSkipBareProgress) {
  std::FILE* f = std::tmpfile();
  LogLineSink sink(f, 1);
  std::string out = capture(sink, f,
                            {ev(ProgressEvent::Kind::started, "a", "generate", 0),
                             ev(ProgressEvent::Kind::progress, "a", "generate", 0),
                             ev(ProgressEvent::Kind::progress, "a", "generate", 0, "queued"),
                             ev(ProgressEvent::Kind::progress, "a", "generate", 0, "queued"),
                             ev(ProgressEvent::Kind::progress, "a", "generate", 0, "processing"),
                             ev(ProgressEvent::Kind::failed, "a", "shot", -1, {}, "boom")});
  std::fclose(f);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 4) << out;
  EXPECT_NE(out.find("a 1/3 generate: started"), std::string::npos) << out;
  EXPECT_NE(out.find("[queued]"), std::string::npos) << out;
  EXPECT_NE(out.find("[processing]"), std::string::npos) << out;
  EXPECT_NE(out.find("a shot: failed boom"), std::string::npos) << out;
}
