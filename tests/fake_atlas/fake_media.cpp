// The clips the fake service serves: real H.264 MP4s made once per build tree with the
// ffmpeg CLI (a test tool, never the product).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/fake_atlas/fake_atlas.h"
#include "tests/support/run.h"

namespace shotchain::test {

namespace {

// A 576x324 H.264 clip of `frames` at `fps`, made once per build tree (CTest runs every test
// in its own process) and shared through the build folder; written under a temporary name and
// renamed, so concurrent makers are safe.
std::string made_clip(const std::string& name, int fps, int frames, bool faststart) {
  std::filesystem::path shared =
      std::filesystem::path(SHOTCHAIN_BINARY_DIR) / "tests" / "fake_atlas_media" / name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(shared, ec) ||
      std::filesystem::file_size(shared, ec) == 0) {
    std::filesystem::create_directories(shared.parent_path(), ec);
    auto tmp = shared.parent_path() / (name + ".tmp" + std::to_string(::getpid()) + ".mp4");
    std::vector<std::string> args{
        "ffmpeg",       "-nostdin",
        "-hide_banner", "-loglevel",
        "error",        "-y",
        "-f",           "lavfi",
        "-i",           "testsrc2=size=576x324:rate=" + std::to_string(fps),
        "-frames:v",    std::to_string(frames),
        "-c:v",         "libx264",
        "-preset",      "ultrafast",
        "-pix_fmt",     "yuv420p",
        "-r",           std::to_string(fps)};
    if (faststart) args.insert(args.end(), {"-movflags", "+faststart"});
    args.push_back(tmp.string());
    auto r = run(args);
    if (r.exit_code != 0) {
      std::filesystem::remove(tmp, ec);
      throw std::runtime_error("fake atlas: ffmpeg failed: " + r.err);
    }
    std::filesystem::rename(tmp, shared, ec);
    if (ec) throw std::runtime_error("fake atlas: cannot store " + shared.string());
  }
  std::ifstream in(shared, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().empty()) throw std::runtime_error("fake atlas: empty " + shared.string());
  return ss.str();
}

} // namespace

const std::string& fake_mp4(int duration_s) {
  static std::mutex mu;
  static std::map<int, std::string> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(duration_s); it != cache.end()) return it->second;
  return cache[duration_s] = made_clip("fake_" + std::to_string(duration_s) + "s_576x324_v1.mp4",
                                       25, duration_s * 25, true);
}

const std::string& fake_mp4_at(int fps, int frames) {
  static std::mutex mu;
  static std::map<std::pair<int, int>, std::string> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto key = std::make_pair(fps, frames);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  return cache[key] = made_clip(
             "fake_" + std::to_string(fps) + "fps_" + std::to_string(frames) + "f_576x324_v1.mp4",
             fps, frames, false);
}

} // namespace shotchain::test
