#include "stages/poll_memory.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/json_read.h"
#include "stages/cache_file.h"
#include "stages/generate_atlas.h"

namespace shotchain::stages {
using std::chrono::milliseconds;

PollMemory::PollMemory(std::filesystem::path file) : file_(std::move(file)) {}

void PollMemory::load() {
  if (loaded_) return;
  loaded_ = true;
  if (file_.empty()) return;
  std::string text = read_cache_file(file_);
  rapidjson::Document doc;
  if (!json::parse(doc, text) || !doc.IsObject()) return; // damaged: a cold memory
  if (!doc.HasMember("models") || !doc["models"].IsArray()) return;
  const auto& models = doc["models"];
  for (rapidjson::SizeType i = 0; i < models.Size(); ++i) {
    const auto& v = models[i];
    if (!v.IsObject() || !v.HasMember("model") || !v["model"].IsString() ||
        !v.HasMember("running_ms") || !v["running_ms"].IsInt64() || !v.HasMember("done_ms") ||
        !v["done_ms"].IsInt64())
      continue;
    remote::PollLearner::Bracket b{milliseconds(v["running_ms"].GetInt64()),
                                   milliseconds(v["done_ms"].GetInt64())};
    // Nonsense (negative, inverted, over a day) is ignored.
    if (b.lo.count() < 0 || b.lo >= b.hi || b.hi > std::chrono::hours(24)) continue;
    stored_[v["model"].GetString()] = b;
  }
}

std::shared_ptr<remote::PollLearner> PollMemory::learner_for(const std::string& model) {
  std::lock_guard lock(mu_);
  load();
  auto& learner = learners_[model];
  if (!learner) {
    learner = std::make_shared<remote::PollLearner>();
    if (auto it = stored_.find(model); it != stored_.end()) learner->seed(it->second);
  }
  return learner;
}

void PollMemory::remember(const std::string& model) {
  std::lock_guard lock(mu_);
  load();
  auto it = learners_.find(model);
  if (it == learners_.end()) return;
  auto b = it->second->bracket();
  if (!b) return;
  stored_[model] = *b;
  if (file_.empty()) return;
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("models");
  w.StartArray();
  for (const auto& [name, br] : stored_) {
    w.StartObject();
    w.Key("model");
    w.String(name.c_str());
    w.Key("running_ms"); // a job was still running this long after its await began...
    w.Int64(br.lo.count());
    w.Key("done_ms"); // ...and one was done by this
    w.Int64(br.hi.count());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  write_cache_file(file_, sb.GetString(), "poll memory");
}

std::filesystem::path default_poll_memory_path() {
  auto uploads = default_upload_cache_path();
  return uploads.empty() ? uploads : uploads.parent_path() / "poll.json";
}

} // namespace shotchain::stages
