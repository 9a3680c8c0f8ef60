#include "stages/cache_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "common/error.h"

namespace shotchain::stages {

std::string read_cache_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_cache_file(const std::filesystem::path& file, const std::string& text,
                      const std::string& what) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  // Per process: two runs sharing the cache folder never write the same temporary.
  auto tmp = std::filesystem::path(file.string() + ".tmp-" + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(Failure::runtime, file.string() + ": cannot write the " + what);
    out << text;
    if (!out.flush()) throw Error(Failure::runtime, file.string() + ": write failed");
  }
  ::chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error(Failure::runtime, file.string() + ": cannot replace the " + what);
  }
}

} // namespace shotchain::stages
