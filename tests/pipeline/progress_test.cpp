// Progress sinks: --json events (one JSON object per line) and plain log lines.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

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

namespace {

// What a terminal shows after `out`: handles the three controls the live sink uses
// (ESC[1F previous line, ESC[2K clear line, newline).
std::vector<std::string> screen_after(const std::string& out) {
  std::vector<std::string> rows(1);
  std::size_t row = 0, col = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out.compare(i, 4, "\x1b[1F") == 0) {
      row = row ? row - 1 : 0;
      col = 0;
      i += 3;
    } else if (out.compare(i, 4, "\x1b[2K") == 0) {
      rows[row].clear();
      i += 3;
    } else if (out[i] == '\n') {
      ++row;
      col = 0;
      if (rows.size() <= row) rows.resize(row + 1);
    } else {
      if (rows[row].size() <= col) rows[row].resize(col + 1, ' ');
      rows[row][col++] = out[i];
    }
  }
  while (!rows.empty() && rows.back().empty()) rows.pop_back();
  return rows;
}

} // namespace

// On a terminal: one live line per shot (stage, segment k/N, elapsed, service state) redrawn
// in place; job-level messages scroll above the block.
TEST(Progress, TerminalShowsOneLiveLinePerShotWithMessagesAbove) {
  std::FILE* f = std::tmpfile();
  TerminalSink sink(f);
  std::string out =
      capture(sink, f,
              {ev(ProgressEvent::Kind::started, "harbor", "generate", 0),
               ev(ProgressEvent::Kind::started, "dusk", "reference"),
               ev(ProgressEvent::Kind::log, "", "plan", -1, {}, "plan: 4 shots"),
               ev(ProgressEvent::Kind::progress, "harbor", "generate", 1, "processing"),
               ev(ProgressEvent::Kind::finished, "dusk", "reference")});
  std::fclose(f);
  auto rows = screen_after(out);
  ASSERT_EQ(rows.size(), 3u) << out;
  EXPECT_NE(rows[0].find("plan log: plan: 4 shots"), std::string::npos) << rows[0];
  EXPECT_NE(rows[1].find("harbor"), std::string::npos) << rows[1];
  EXPECT_NE(rows[1].find("generating 2/3"), std::string::npos) << rows[1];
  EXPECT_NE(rows[1].find("processing"), std::string::npos) << rows[1];
  EXPECT_NE(rows[1].find("s "), std::string::npos) << rows[1]; // elapsed seconds
  EXPECT_NE(rows[2].find("dusk"), std::string::npos) << rows[2];
  EXPECT_NE(rows[2].find("reference finished"), std::string::npos) << rows[2];
}

// Generation and assembly side by side: a shot's next segment generates while the one before
// is encoded; then its clip is assembled, then it is done.
TEST(Progress, TerminalShowsGenerationAndAssemblySideBySide) {
  std::FILE* f = std::tmpfile();
  TerminalSink sink(f);
  std::string out = capture(sink, f,
                            {ev(ProgressEvent::Kind::finished, "journey", "generate", 0),
                             ev(ProgressEvent::Kind::started, "journey", "generate", 1),
                             ev(ProgressEvent::Kind::started, "journey", "encode", 0),
                             ev(ProgressEvent::Kind::finished, "harbor", "generate", 0),
                             ev(ProgressEvent::Kind::started, "harbor", "assemble")});
  auto rows = screen_after(out);
  ASSERT_EQ(rows.size(), 2u) << out;
  EXPECT_NE(rows[0].find("journey"), std::string::npos) << rows[0];
  EXPECT_NE(rows[0].find("generating 2/3"), std::string::npos) << rows[0];
  EXPECT_NE(rows[0].find("| encoding 1/3"), std::string::npos) << rows[0];
  EXPECT_NE(rows[1].find("generated 1/3"), std::string::npos) << rows[1];
  EXPECT_NE(rows[1].find("| assembling"), std::string::npos) << rows[1];
  out = capture(sink, f, {ev(ProgressEvent::Kind::finished, "harbor", "shot")});
  std::fclose(f);
  rows = screen_after(out);
  EXPECT_NE(rows[1].find("| done"), std::string::npos) << rows[1];
}
