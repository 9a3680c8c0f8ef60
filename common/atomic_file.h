#pragma once
// The one atomic file writer (journal records, timelines, QC reports, caches, stills, and,
// written as it is made, the contact sheet): a temporary file in the same folder, written,
// fsynced, renamed over the target, the folder fsynced. A crash or kill -9 at any moment
// leaves the old file or the new one, never a torn one, and a failure leaves nothing behind.
#include <filesystem>
#include <string>
#include <string_view>

namespace shotchain {

struct AtomicWrite {
  unsigned mode = 0644;       // 0600 for files that may hold signed URLs (caches)
  bool create_folder = false; // create the target's folder first
  std::string what;           // what the file holds, for the error ("upload cache")
};

// A file written in parts: nothing is at `file` until commit(), which replaces it; destroyed
// uncommitted, it leaves nothing behind. Throws shotchain::Error (runtime) naming the file.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path file, AtomicWrite how = {});
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();
  void write(std::string_view bytes);
  void commit();

 private:
  std::filesystem::path file_, tmp_;
  AtomicWrite how_;
  int fd_ = -1;
};

// Replaces `file` with `bytes`. Throws shotchain::Error (runtime) naming the file.
void write_file_atomic(const std::filesystem::path& file, std::string_view bytes,
                       const AtomicWrite& how = {});

} // namespace shotchain
