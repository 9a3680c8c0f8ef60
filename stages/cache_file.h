#pragma once
// Files of the cache folder ($XDG_CACHE_HOME/shotchain, else ~/.cache/shotchain): the upload
// cache and the poll memory. A damaged or missing file is a cold cache, never an error;
// writes replace the file whole (temporary name beside it, mode 0600, rename).
#include <filesystem>
#include <string>

namespace shotchain::stages {

// The file's text, "" when it cannot be read.
std::string read_cache_file(const std::filesystem::path& file);
// Replaces `file` with `text` (its folder created); throws Error(runtime) naming the file and
// `what` it holds.
void write_cache_file(const std::filesystem::path& file, const std::string& text,
                      const std::string& what);

} // namespace shotchain::stages
