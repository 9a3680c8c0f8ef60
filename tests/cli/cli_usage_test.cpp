// The command's front door: usage errors exit 2 with one line naming what was wrong.
#include <gtest/gtest.h>

#include "tests/support/run.h"

using shotchain::test::run_shotchain;

TEST(CliUsage, NoSubcommandIsUsageError) {
  auto r = run_shotchain({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("subcommand"), std::string::npos) << r.err;
}

TEST(CliUsage, UnknownOptionIsUsageError) {
  auto r = run_shotchain({"--no-such-flag", "probe"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST(CliUsage, HelpExitsZeroAndListsCommands) {
  auto r = run_shotchain({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* name : {"probe", "frame", "convert", "stitch", "generate", "run"})
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
}
