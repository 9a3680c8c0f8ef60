// The journal: atomic writes leave the old or the new record, never a torn one or a temporary;
// records round-trip; an unreadable record is an error, never silently dropped.
#include <gtest/gtest.h>

#include <fstream>

#include "common/error.h"
#include "common/sha256.h"
#include "pipeline/journal.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using namespace shotchain::pipeline;
using shotchain::test::list_dir;
using shotchain::test::TempDir;

TEST(Journal, AtomicWriteReplacesWholeFileAndLeavesNoTemporary) {
  TempDir dir;
  auto f = dir / "record.json";
  write_file_atomic(f, "first");
  write_file_atomic(f, "second, longer");
  std::ifstream in(f);
  std::string s((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(s, "second, longer");
  EXPECT_EQ(list_dir(dir.path()), "record.json");
}

TEST(Journal, AtomicWriteIntoMissingFolderFailsNamingIt) {
  TempDir dir;
  try {
    write_file_atomic(dir / "nope" / "r.json", "x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 1);
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos) << e.what();
  }
}

TEST(Journal, RecordRoundTripsEveryField) {
  TempDir dir;
  Journal j(dir / "state");
  ShotRecord r;
  r.id = "harbor";
  r.fingerprint = "fp";
  SegmentRecord s;
  s.index = 0;
  s.status = SegmentRecord::Status::submitted;
  s.fingerprint = "segfp";
  s.reference_hash = "rh";
  s.reference_file = "/x/ref.png";
  s.upload_url = "https://u/1";
  s.intent_time = "2026-11-27T10:00:00.000Z";
  s.prediction_id = "pred-1";
  s.output_url = "https://o/1?sig=secret";
  s.local_file = "/x/seg.mp4";
  s.checksum = "ck";
  s.frames = 145;
  s.fps = 24;
  s.width = 1280;
  s.height = 720;
  s.difference = "24.000 fps, 145 frames (expected 25 fps, 150 frames)";
  s.last_frame_file = "/x/last.png";
  s.last_frame_hash = "lh";
  s.superseded_predictions = {"old-1", "old-2"};
  r.segments.push_back(s);
  j.save(r);
  auto back = j.load("harbor");
  ASSERT_TRUE(back);
  EXPECT_EQ(Journal::to_json(*back), Journal::to_json(r));
  EXPECT_EQ(back->segments[0].status, SegmentRecord::Status::submitted);
  EXPECT_EQ(back->segments[0].prediction_id, "pred-1");
  EXPECT_EQ(back->segments[0].superseded_predictions.size(), 2u);
  EXPECT_DOUBLE_EQ(back->segments[0].fps, 24.0);
  EXPECT_EQ(back->segments[0].width, 1280);
  EXPECT_EQ(back->segments[0].height, 720);
  EXPECT_EQ(back->segments[0].difference, s.difference);
  EXPECT_FALSE(j.load("other"));
  EXPECT_EQ(list_dir(dir / "state" / "shots"), "harbor.json");
}

TEST(Journal, ARecordWrittenBeforeTheDeliveredClipWasRecordedStillLoads) {
  // A journal of an earlier version: no fps, size or difference. It loads, those unmeasured.
  auto r = Journal::from_json(R"({"version":1,"shot":"a","segments":[{"index":0,"status":"done",
      "prediction_id":"p1","frames":150}]})",
                              "a.json");
  ASSERT_EQ(r.segments.size(), 1u);
  EXPECT_EQ(r.segments[0].prediction_id, "p1");
  EXPECT_EQ(r.segments[0].frames, 150);
  EXPECT_EQ(r.segments[0].fps, 0.0);
  EXPECT_EQ(r.segments[0].width, 0);
  EXPECT_EQ(r.segments[0].difference, "");
  // A hand-edited one with a wrong type is an error naming the field, never a guess.
  EXPECT_THROW(
      Journal::from_json(R"({"shot":"a","segments":[{"status":"done","fps":"24"}]})", "a.json"),
      Error);
}

TEST(Journal, UnreadableRecordIsAnErrorNotIgnored) {
  TempDir dir;
  Journal j(dir / "state");
  std::ofstream(j.record_path("a")) << "{\"shot\":\"a\",\"segments\":[{\"status\":\"bogus\"}]}";
  try {
    j.load("a");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 1);
    EXPECT_NE(std::string(e.what()).find("a.json"), std::string::npos);
  }
}
