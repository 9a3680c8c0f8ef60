// Bad input for probe / frame / convert: each case exits 2 with one line on stderr naming the
// file and the reason, and leaves no output (not even a temporary) behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "tests/stages/media_test_util.h"
#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using test::ffmpeg;
using test::list_dir;
using test::run_shotchain;
using test::TempDir;

namespace {

void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

struct Case {
  std::string name;
  std::string file; // the bad input's file name inside the temp dir
  std::function<void(const TempDir&)> make;
};

std::vector<Case> bad_sources() {
  return {
      {"missing", "missing.mp4", [](const TempDir&) {}},
      {"directory", "folder.mp4",
       [](const TempDir& d) { std::filesystem::create_directory(d / "folder.mp4"); }},
      {"zero_bytes", "empty.mp4", [](const TempDir& d) { write_file(d / "empty.mp4", ""); }},
      {"text", "notes.mp4",
       [](const TempDir& d) { write_file(d / "notes.mp4", "this is not a video\n"); }},
      {"random", "noise.mp4",
       [](const TempDir& d) {
         std::mt19937 rng(42);
         std::string bytes(64 * 1024, '\0');
         for (char& c : bytes) c = static_cast<char>(rng());
         write_file(d / "noise.mp4", bytes);
       }},
      {"truncated_moov_at_end", "cut.mp4",
       [](const TempDir& d) {
         auto full = (d / "full.tmp").string();
         ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2", "-c:v", "libx264",
                 "-preset", "ultrafast", "-f", "mp4", full});
         auto size = std::filesystem::file_size(full);
         std::filesystem::resize_file(full, size / 2);
         std::filesystem::rename(full, d / "cut.mp4");
       }},
      {"truncated_faststart", "cutfs.mp4",
       [](const TempDir& d) {
         auto full = (d / "full.tmp").string();
         ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2", "-c:v", "libx264",
                 "-preset", "ultrafast", "-movflags", "+faststart", "-f", "mp4", full});
         auto size = std::filesystem::file_size(full);
         std::filesystem::resize_file(full, size / 2);
         std::filesystem::rename(full, d / "cutfs.mp4");
       }},
      {"hls_playlist", "playlist.mp4",
       [](const TempDir& d) {
         write_file(d / "playlist.mp4",
                    "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n"
                    "file:///etc/passwd\n#EXT-X-ENDLIST\n");
       }},
      {"ffconcat", "concat.mp4",
       [](const TempDir& d) {
         write_file(d / "concat.mp4", "ffconcat version 1.0\nfile '/etc/passwd'\n");
       }},
  };
}

// Runs the command and checks the contract; `named` must appear in the one stderr line.
void expect_bad(const TempDir& dir, const std::vector<std::string>& args, const std::string& named,
                const std::string& why) {
  const std::string before = list_dir(dir.path());
  auto r = run_shotchain(args);
  EXPECT_EQ(r.exit_code, 2) << why << ": " << r.err;
  EXPECT_EQ(test::line_count(r.err), 1) << why << ": " << r.err;
  EXPECT_NE(r.err.find(named), std::string::npos) << why << ": " << r.err;
  EXPECT_EQ(list_dir(dir.path()), before) << why << ": output left behind";
}

} // namespace

TEST(MediaBadInput, EveryCommandRejectsEveryBadSource) {
  for (const auto& c : bad_sources()) {
    TempDir dir;
    c.make(dir);
    const std::string src = (dir / c.file).string();
    expect_bad(dir, {"probe", src}, c.file, "probe " + c.name);
    expect_bad(dir, {"frame", src, "--at", "0.5", "-o", (dir / "out.png").string()}, c.file,
               "frame --at " + c.name);
    expect_bad(dir, {"frame", src, "--last", "-o", (dir / "out.png").string()}, c.file,
               "frame --last " + c.name);
    expect_bad(dir, {"convert", src, "-o", (dir / "out.mov").string()}, c.file,
               "convert " + c.name);
    expect_bad(dir, {"convert", src, "-o", (dir / "out.mp4").string(), "--codec", "copy"}, c.file,
               "convert copy " + c.name);
  }
}

TEST(MediaBadInput, ImageWhereVideoIsNeeded) {
  TempDir dir;
  auto png = (dir / "still.png").string();
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", png});
  expect_bad(dir, {"frame", png, "--at", "0", "-o", (dir / "o.png").string()}, "still.png",
             "frame of an image");
  expect_bad(dir, {"convert", png, "-o", (dir / "o.mov").string()}, "still.png",
             "convert an image");
  auto r = run_shotchain({"probe", png}); // probing an image is fine
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(MediaBadInput, TimesAndOutputsThatCannotWork) {
  TempDir dir;
  auto src = (dir / "clip.mp4").string();
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=1", "-c:v", "libx264",
          "-preset", "ultrafast", src});
  expect_bad(dir, {"frame", src, "--at", "5", "-o", (dir / "o.png").string()}, "clip.mp4",
             "time past the end");
  expect_bad(dir, {"frame", src, "--at", "00:00:01.000", "-o", (dir / "o.png").string()},
             "clip.mp4", "time at the very end");
  expect_bad(dir, {"frame", src, "--at", "00:00:00:25", "-o", (dir / "o.png").string()},
             "00:00:00:25", "timecode frame beyond the rate");
  expect_bad(dir, {"frame", src, "--frame", "25", "-o", (dir / "o.png").string()}, "clip.mp4",
             "frame index past the end");
  expect_bad(dir, {"frame", src, "--at", "0", "-o", (dir / "nope" / "o.png").string()},
             "nope/o.png", "frame into a missing folder");
  expect_bad(dir, {"convert", src, "-o", (dir / "nope" / "o.mov").string()}, "nope/o.mov",
             "convert into a missing folder");
  expect_bad(dir, {"convert", src, "-o", src, "--codec", "h264"}, "clip.mp4",
             "convert onto its input");
  expect_bad(dir, {"convert", src, "-o", (dir / "." / "clip.mp4").string(), "--codec", "copy"},
             "clip.mp4", "convert onto its input by another name");
  expect_bad(dir, {"frame", src, "--at", "0", "-o", (dir / "o.gif").string()}, "o.gif",
             "unknown image type");
  expect_bad(dir, {"convert", src, "-o", (dir / "o.avi").string()}, "o.avi", "unknown container");
  expect_bad(dir, {"convert", src, "-o", (dir / "o.mp4").string(), "--codec", "prores"}, "o.mp4",
             "ProRes in MP4");
  expect_bad(dir, {"frame", src, "--at", "1:2:3:4:5", "-o", (dir / "o.png").string()}, "1:2:3:4:5",
             "bad TIME");
  EXPECT_EQ(list_dir(dir.path()), "clip.mp4");
}
