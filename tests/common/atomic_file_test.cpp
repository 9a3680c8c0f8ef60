// common/atomic_file: the one atomic writer, whole or in parts. The old file stays until
// commit(); an abandoned write leaves no temporary; the mode is exactly the one asked for.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "common/atomic_file.h"
#include "common/error.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

TEST(AtomicFile, PartsReplaceTheOldFileOnlyAtCommit) {
  test::TempDir dir;
  const fs::path f = dir / "sheet.png";
  write_file_atomic(f, "old");
  {
    AtomicFile out(f, {0600, false, "test"});
    out.write("new ");
    out.write("bytes");
    EXPECT_EQ(read_all(f), "old") << "the old file until commit";
    out.commit();
  }
  EXPECT_EQ(read_all(f), "new bytes");
  struct stat st {};
  ASSERT_EQ(::stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 1);
}

TEST(AtomicFile, AnAbandonedWriteLeavesTheOldFileAndNoTemporary) {
  test::TempDir dir;
  const fs::path f = dir / "record.json";
  write_file_atomic(f, "kept");
  {
    AtomicFile out(f);
    out.write("half");
  } // destroyed without commit: an exception on the way, a failed encode
  EXPECT_EQ(read_all(f), "kept");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 1);
  EXPECT_THROW(AtomicFile(dir / "missing" / "x"), Error) << "names the file, creates nothing";
}
