#include "stages/generate_upload_cache.h"

#include <sys/stat.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/json_read.h"

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
  std::ifstream in(file_, std::ios::binary);
  if (!in) return;
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  rapidjson::Document parsed;
  // A damaged cache (bad JSON, too deep, too large) is just a cold cache: it is rewritten
  // whole on the next save.
  if (!json::parse(parsed, text) || !parsed.IsObject()) return;
  const rapidjson::Value& doc = parsed;
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
  std::error_code ec;
  if (file_.has_parent_path()) std::filesystem::create_directories(file_.parent_path(), ec);
  auto tmp = std::filesystem::path(file_.string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(Failure::runtime, file_.string() + ": cannot write the upload cache");
    out << sb.GetString();
    if (!out.flush()) throw Error(Failure::runtime, file_.string() + ": write failed");
  }
  ::chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, file_, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error(Failure::runtime, file_.string() + ": cannot replace the upload cache");
  }
}

std::optional<std::string> UploadCache::find(const std::string& hash, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  load();
  auto it = entries_.find(hash + "/" + name);
  if (it == entries_.end()) return std::nullopt;
  // Compared without subtracting the file's number: a stored_at near INT64_MIN would
  // overflow `now - stored_at` (undefined behaviour).
  if (it->second.stored_at < now_seconds() - max_age_.count()) return std::nullopt;
  return it->second.url;
}

void UploadCache::store(const std::string& hash, const std::string& name, const std::string& url) {
  std::lock_guard<std::mutex> lock(mu_);
  load();
  entries_[hash + "/" + name] = Entry{url, now_seconds()};
  save();
}

} // namespace shotchain::stages
