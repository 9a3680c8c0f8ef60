// A damaged or hostile state folder (journal records; tests/fuzz/fuzz_state_files.cpp): each
// record is refused with one line naming the file, never a crash, never echoing control bytes.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "common/error.h"
#include "pipeline/journal.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using namespace shotchain::pipeline;
using shotchain::test::TempDir;

namespace {

std::string load_error(const std::string& record) {
  TempDir dir;
  Journal j(dir / "state");
  std::ofstream(j.record_path("a"), std::ios::binary) << record;
  try {
    j.load("a");
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 1);
    std::string what = e.what();
    EXPECT_NE(what.find("a.json: journal record is unreadable"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    return what;
  }
  ADD_FAILURE() << "no error for a damaged record";
  return {};
}

} // namespace

TEST(HostileState, DeeplyNestedRecordIsRefusedNamingTheLimit) {
  std::string e = load_error("{\"shot\":\"a\",\"segments\":" + std::string(200000, '[') + "}");
  EXPECT_NE(e.find("nested deeper than 64 levels"), std::string::npos) << e;
}

TEST(HostileState, TruncatedRecordIsRefusedWithTheOffset) {
  std::string e = load_error("{\"shot\":\"a\",\"segments\":[{\"status\":\"su");
  EXPECT_NE(e.find("invalid JSON"), std::string::npos) << e;
  EXPECT_NE(e.find("at byte"), std::string::npos) << e;
}

TEST(HostileState, RecordTextIsScrubbedBeforeItIsShown) {
  std::string e = load_error("{\"shot\":\"a\",\"segments\":[{\"status\":\"x\\u001b[2Jy\\nz\"}]}");
  EXPECT_NE(e.find("unknown status"), std::string::npos) << e;
  EXPECT_EQ(e.find('\x1b'), std::string::npos) << e;
}

TEST(HostileState, TrailingBytesAndNulAreRefused) {
  load_error("{\"shot\":\"a\",\"segments\":[]} {}");
  load_error(std::string("{\"shot\":\"a\",") + '\0' + "\"segments\":[]}");
}

TEST(HostileState, NonObjectRecordIsRefused) {
  EXPECT_NE(load_error("[1,2]").find("not a JSON object"), std::string::npos);
}
