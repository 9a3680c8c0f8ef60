#include "pipeline/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "common/scrub.h"

namespace shotchain::pipeline {
namespace {

const char* status_names[] = {"pending", "intent", "submitted", "completed", "done"};

} // namespace

const char* to_string(SegmentRecord::Status s) { return status_names[static_cast<int>(s)]; }

std::string iso_time_now() {
  auto now = std::chrono::system_clock::now();
  auto t = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

Journal::Journal(std::filesystem::path state_dir) : dir_(std::move(state_dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_ / "shots", ec);
  if (ec)
    throw Error(Failure::runtime, ec,
                (dir_ / "shots").string() + ": cannot create the state folder: " + ec.message());
}

std::filesystem::path Journal::shot_dir(const std::string& shot_id) const {
  auto d = dir_ / "shots" / shot_id;
  std::error_code ec;
  std::filesystem::create_directories(d, ec);
  if (ec) throw Error(Failure::runtime, ec, d.string() + ": cannot create: " + ec.message());
  return d;
}

std::filesystem::path Journal::record_path(const std::string& shot_id) const {
  return dir_ / "shots" / (shot_id + ".json");
}

std::optional<ShotRecord> Journal::load(const std::string& shot_id) const {
  std::lock_guard lock(mutex_);
  auto p = record_path(shot_id);
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream os;
  os << in.rdbuf();
  return from_json(os.str(), p.string());
}

void Journal::save(const ShotRecord& record) {
  std::lock_guard lock(mutex_);
  write_file_atomic(record_path(record.id), to_json(record));
}

std::string Journal::to_json(const ShotRecord& r) {
  rapidjson::StringBuffer sb;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
  auto str = [&](const char* k, std::string_view v) { json::put_string(w, k, v); };
  w.StartObject();
  w.Key("version");
  w.Int(1);
  str("shot", r.id);
  str("fingerprint", r.fingerprint);
  str("clip_file", r.clip_file);
  str("clip_checksum", r.clip_checksum);
  w.Key("segments");
  w.StartArray();
  for (const auto& s : r.segments) {
    w.StartObject();
    w.Key("index");
    w.Int(s.index);
    str("status", to_string(s.status));
    str("fingerprint", s.fingerprint);
    str("reference_hash", s.reference_hash);
    str("reference_file", s.reference_file);
    str("upload_url", s.upload_url);
    str("intent_time", s.intent_time);
    str("prediction_id", s.prediction_id);
    str("output_url", s.output_url);
    str("local_file", s.local_file);
    str("checksum", s.checksum);
    w.Key("frames");
    w.Int(s.frames);
    w.Key("fps");
    w.Double(s.fps);
    w.Key("width");
    w.Int(s.width);
    w.Key("height");
    w.Int(s.height);
    str("difference", s.difference);
    str("last_frame_file", s.last_frame_file);
    str("last_frame_hash", s.last_frame_hash);
    w.Key("superseded_predictions");
    w.StartArray();
    for (const auto& id : s.superseded_predictions)
      w.String(id.c_str(), static_cast<rapidjson::SizeType>(id.size()));
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize()) + "\n";
}

ShotRecord Journal::from_json(const std::string& text, const std::string& name) {
  rapidjson::Document doc;
  json::ParseOutcome parsed = json::parse(doc, text);
  // The record's text is outside data (anyone can edit a state folder): whatever it holds
  // reaches the message through the scrubber only.
  auto bad = [&](const std::string& why) -> Error {
    return Error(Failure::runtime, name + ": journal record is unreadable (" + scrub(why) +
                                       "); move it away to start this shot afresh");
  };
  if (!parsed) throw bad(parsed.reason + " at byte " + std::to_string(parsed.offset));
  if (!doc.IsObject()) throw bad("not a JSON object");
  const rapidjson::Value& d = doc;
  auto get_str = [&](const rapidjson::Value& o, const char* k) -> std::string {
    auto it = o.FindMember(k);
    if (it == o.MemberEnd()) return {};
    if (!it->value.IsString()) throw bad(std::string(k) + " is not a string");
    return std::string(it->value.GetString(), it->value.GetStringLength());
  };
  auto get_int = [&](const rapidjson::Value& o, const char* k) -> int {
    auto it = o.FindMember(k);
    if (it == o.MemberEnd()) return 0;
    if (!it->value.IsInt()) throw bad(std::string(k) + " is not an integer");
    return it->value.GetInt();
  };
  auto get_double = [&](const rapidjson::Value& o, const char* k) -> double {
    auto it = o.FindMember(k);
    if (it == o.MemberEnd()) return 0;
    if (!it->value.IsNumber()) throw bad(std::string(k) + " is not a number");
    return it->value.GetDouble();
  };
  ShotRecord r;
  r.id = get_str(d, "shot");
  r.fingerprint = get_str(d, "fingerprint");
  r.clip_file = get_str(d, "clip_file");
  r.clip_checksum = get_str(d, "clip_checksum");
  auto segs = d.FindMember("segments");
  if (segs == d.MemberEnd() || !segs->value.IsArray()) throw bad("no segments array");
  for (const auto& s : segs->value.GetArray()) {
    if (!s.IsObject()) throw bad("a segment is not an object");
    SegmentRecord sr;
    sr.index = get_int(s, "index");
    std::string st = get_str(s, "status");
    bool known = false;
    for (int i = 0; i < 5; ++i)
      if (st == status_names[i]) {
        sr.status = static_cast<SegmentRecord::Status>(i);
        known = true;
      }
    if (!known) throw bad("unknown status \"" + st + "\"");
    sr.fingerprint = get_str(s, "fingerprint");
    sr.reference_hash = get_str(s, "reference_hash");
    sr.reference_file = get_str(s, "reference_file");
    sr.upload_url = get_str(s, "upload_url");
    sr.intent_time = get_str(s, "intent_time");
    sr.prediction_id = get_str(s, "prediction_id");
    sr.output_url = get_str(s, "output_url");
    sr.local_file = get_str(s, "local_file");
    sr.checksum = get_str(s, "checksum");
    sr.frames = get_int(s, "frames");
    sr.fps = get_double(s, "fps");
    sr.width = get_int(s, "width");
    sr.height = get_int(s, "height");
    sr.difference = get_str(s, "difference");
    sr.last_frame_file = get_str(s, "last_frame_file");
    sr.last_frame_hash = get_str(s, "last_frame_hash");
    auto sup = s.FindMember("superseded_predictions");
    if (sup != s.MemberEnd() && sup->value.IsArray())
      for (const auto& id : sup->value.GetArray())
        if (id.IsString())
          sr.superseded_predictions.emplace_back(id.GetString(), id.GetStringLength());
    r.segments.push_back(std::move(sr));
  }
  return r;
}

} // namespace shotchain::pipeline
