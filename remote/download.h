#pragma once
// Downloads a storage URL (a prediction's output) into a `.part` file: its own handle and no
// Authorization header; https only (http only for loopback hosts); redirects followed by hand,
// only to https (or loopback http), at most 3; a size cap enforced while receiving; a cut
// transfer resumed with Range, and a server that ignores Range means starting over. The
// caller verifies the part and renames it into place.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>

#include "remote/http.h"
#include "remote/retry.h"

namespace shotchain::remote {

struct DownloadOptions {
  std::uint64_t max_bytes = std::uint64_t(2) << 30; // 2 GiB
  int max_redirects = 3;
  int max_attempts = 3; // requests after cuts (each resumes with Range)
  Timeouts timeouts{std::chrono::seconds(10), std::chrono::milliseconds(0),
                    std::chrono::seconds(30), 1024}; // stall limit, no total
  RetryPolicy retry{};
  LogSink log;
  std::function<bool()> cancelled; // true: abort
  std::string secret;              // registered with shotchain::register_secret (pass the API key)
};

struct DownloadResult {
  std::filesystem::path part;
  std::uint64_t bytes = 0;
  int attempts = 0;  // transfers that started (redirect hops not counted)
  int resumes = 0;   // transfers that continued a part with Range (206)
  int restarts = 0;  // a part discarded because the server ignored Range
  int redirects = 0; // hops followed in the last attempt
};

// `part` is usually final_path + ".part"; an existing part is resumed. Throws
// shotchain::Error (runtime; interrupted on cancel); on a size-cap breach the part is removed.
DownloadResult download_to_part(const std::string& url, const std::filesystem::path& part,
                                const DownloadOptions& options = {});

inline std::filesystem::path part_path_for(const std::filesystem::path& final_path) {
  return std::filesystem::path(final_path.string() + ".part");
}

} // namespace shotchain::remote
