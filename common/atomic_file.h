#pragma once
// The one atomic file writer for whole small files (journal records, timelines, QC reports,
// caches, stills): a temporary file in the same folder, written, fsynced, renamed over the
// target, the folder fsynced. A crash or kill -9 at any moment leaves the old file or the
// new one, never a torn one, and a failure leaves nothing behind.
#include <filesystem>
#include <string>
#include <string_view>

namespace shotchain {

struct AtomicWrite {
  unsigned mode = 0644;       // 0600 for files that may hold signed URLs (caches)
  bool create_folder = false; // create the target's folder first
  std::string what;           // what the file holds, for the error ("upload cache")
};

// Replaces `file` with `bytes`. Throws shotchain::Error (runtime) naming the file.
void write_file_atomic(const std::filesystem::path& file, std::string_view bytes,
                       const AtomicWrite& how = {});

} // namespace shotchain
