#include "stages/cache_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "common/atomic_file.h"

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
  write_file_atomic(file, text, {0600, true, what});
}

} // namespace shotchain::stages
