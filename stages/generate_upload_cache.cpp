#include "stages/generate_upload_cache.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/error.h"
#include "common/json_read.h"
#include "stages/cache_file.h"

namespace shotchain::stages {
namespace {

long long now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace

UploadCache::UploadCache(std::filesystem::path file, std::chrono::seconds max_age)
    : file_(std::move(file)), max_age_(max_age) {}

void UploadCache::load() {
  if (loaded_) return;
  loaded_ = true;
  if (file_.empty()) return;
  std::string text = read_cache_file(file_);
  rapidjson::Document parsed;
  // A damaged cache (bad JSON, too deep, too large) is just a cold cache: it is rewritten
  // whole on the next save.
  if (!json::parse(parsed, text) || !parsed.IsObject()) return;
  const rapidjson::Value& doc = parsed; // const iterators: no C++20 reversed-operator ambiguity
  auto it = doc.FindMember("uploads");
  if (it == doc.MemberEnd() || !it->value.IsObject()) return;
  for (const auto& m : it->value.GetObject()) {
    if (!m.value.IsObject()) continue;
    auto url = m.value.FindMember("url");
    if (url == m.value.MemberEnd() || !url->value.IsString()) continue;
    Entry e;
    e.url.assign(url->value.GetString(), url->value.GetStringLength());
    auto stored = m.value.FindMember("stored_at");
    if (stored != m.value.MemberEnd() && stored->value.IsInt64())
      e.stored_at = stored->value.GetInt64();
    entries_[std::string(m.name.GetString(), m.name.GetStringLength())] = e;
  }
}

void UploadCache::save() const {
  if (file_.empty()) return;
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("uploads");
  w.StartObject();
  for (const auto& [k, e] : entries_) {
    w.Key(k.c_str());
    w.StartObject();
    w.Key("url");
    w.String(e.url.c_str());
    w.Key("stored_at");
    w.Int64(e.stored_at);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  write_cache_file(file_, sb.GetString(), "upload cache");
}

std::optional<std::string> UploadCache::find(const std::string& base, const std::string& hash,
                                             const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  load();
  auto it = entries_.find(base + " " + hash + "/" + name);
  if (it == entries_.end()) return std::nullopt;
  // Compared without subtracting the file's number: a stored_at near INT64_MIN would
  // overflow `now - stored_at` (undefined behaviour).
  if (it->second.stored_at < now_seconds() - max_age_.count()) return std::nullopt;
  return it->second.url;
}

void UploadCache::store(const std::string& base, const std::string& hash, const std::string& name,
                        const std::string& url) {
  std::lock_guard<std::mutex> lock(mu_);
  load();
  entries_[base + " " + hash + "/" + name] = Entry{url, now_seconds()};
  save();
}

void UploadCache::forget(const std::string& base, const std::string& hash,
                         const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  load();
  if (entries_.erase(base + " " + hash + "/" + name) > 0) save();
}

} // namespace shotchain::stages
