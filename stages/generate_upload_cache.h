#pragma once
// The upload cache: the same image bytes are uploaded once per API base. Keyed by the API base
// (another base never reuses these URLs), the SHA-256 of the content and the file name the
// service saw (it classifies by extension), persisted as
// a small JSON file so the pipeline reuses it across runs. Thread-safe; writes are atomic
// (temporary file + rename). Storage URLs may be signed: the file is written with mode 0600
// and entries expire after `max_age`.
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace shotchain::stages {

class UploadCache {
 public:
  // `file` "" keeps the cache in memory only.
  explicit UploadCache(std::filesystem::path file = {},
                       std::chrono::seconds max_age = std::chrono::hours(24));
  std::optional<std::string> find(const std::string& api_base, const std::string& content_hash,
                                  const std::string& name);
  void store(const std::string& api_base, const std::string& content_hash, const std::string& name,
             const std::string& url);
  // Drops an entry whose URL no longer serves.
  void forget(const std::string& api_base, const std::string& content_hash,
              const std::string& name);
  const std::filesystem::path& file() const { return file_; }

 private:
  struct Entry {
    std::string url;
    long long stored_at = 0; // unix seconds
  };
  void load();
  void save() const;
  std::filesystem::path file_;
  std::chrono::seconds max_age_;
  std::mutex mu_;
  bool loaded_ = false;
  std::map<std::string, Entry> entries_; // key: api base + " " + hash + "/" + name
};

} // namespace shotchain::stages
