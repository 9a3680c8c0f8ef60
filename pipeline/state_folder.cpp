#include "pipeline/state_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdlib>
#include <fstream>

#include "common/error.h"
#include "common/json_read.h"
#include "pipeline/journal.h"

namespace shotchain::pipeline {
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "";
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

} // namespace

// With the state folder locked, no other run owns these temporaries.
void remove_stale_parts(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    if (n.size() > 1 && n[0] == '.' && n.find(".part-") != std::string::npos)
      fs::remove(e.path(), ec);
  }
}

// "size:mtime" of a file, "" when missing: enough to notice that an output was touched.
std::string file_stamp(const fs::path& p) {
  std::error_code ec;
  auto size = fs::file_size(p, ec);
  if (ec) return "";
  auto t = fs::last_write_time(p, ec);
  if (ec) return "";
  return std::to_string(size) + ":" + std::to_string(t.time_since_epoch().count());
}

std::string stamp(const std::string& fp, const fs::path& file, long long frames) {
  return fp + "|" + file_stamp(file) + "|" + std::to_string(frames);
}

// The frames recorded with `recorded` when it matches `fp` and `file` is untouched, else -1.
long long stamped_frames(const std::string& recorded, const std::string& fp, const fs::path& file) {
  std::string prefix = fp + "|" + file_stamp(file) + "|";
  if (file_stamp(file).empty() || recorded.rfind(prefix, 0) != 0) return -1;
  return std::atoll(recorded.c_str() + prefix.size());
}

void write_assembly_record(const fs::path& record, const std::string& fp, long long frames,
                           const std::vector<fs::path>& files) {
  rapidjson::StringBuffer sb;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("fingerprint");
  w.String(fp.c_str());
  w.Key("frames");
  w.Int64(frames);
  w.Key("files");
  w.StartArray();
  for (const auto& f : files) {
    w.StartObject();
    w.Key("path");
    w.String(f.string().c_str());
    w.Key("stamp");
    w.String(file_stamp(f).c_str());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  write_file_atomic(record, std::string(sb.GetString(), sb.GetSize()) + "\n");
}

// The frames of the last assembly when it had fingerprint `fp` and all its files are untouched
// (their paths in `files`), else -1.
long long assembly_unchanged(const fs::path& record, const std::string& fp,
                             std::vector<fs::path>& files) {
  std::ifstream in(record, std::ios::binary);
  if (!in) return -1;
  std::string text((std::istreambuf_iterator<char>(in)), {});
  rapidjson::Document d; // a damaged record only means the sequence is assembled again
  if (!json::parse(d, text) || !d.IsObject() || !d.HasMember("fingerprint") ||
      !d["fingerprint"].IsString() || fp != d["fingerprint"].GetString() ||
      !d.HasMember("frames") || !d["frames"].IsInt64() || !d.HasMember("files") ||
      !d["files"].IsArray())
    return -1;
  for (const auto& f : d["files"].GetArray()) {
    if (!f.IsObject() || !f.HasMember("path") || !f["path"].IsString() || !f.HasMember("stamp") ||
        !f["stamp"].IsString())
      return -1;
    fs::path p = f["path"].GetString();
    std::string st = file_stamp(p);
    if (st.empty() || st != f["stamp"].GetString()) return -1;
    files.push_back(p);
  }
  return d["frames"].GetInt64();
}

// Journal temporaries of a killed run ("X.json.tmp-PID-N"); the records themselves are whole.
void sweep_journal_temporaries(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().find(".json.tmp-") != std::string::npos)
      fs::remove(e.path(), ec);
}

StateLock::StateLock(const fs::path& dir) {
  fs::path p = dir / "lock";
  fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(Failure::runtime, p.string() + ": cannot open the state lock");
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    throw Error(Failure::runtime,
                dir.string() + ": another shotchain run is using this state folder");
  }
}

StateLock::~StateLock() { ::close(fd_); }

ScratchDir::ScratchDir() {
  std::string tmpl = (fs::temp_directory_path() / "shotchain-dry-run-XXXXXX").string();
  if (!::mkdtemp(tmpl.data()))
    throw Error(Failure::runtime, tmpl + ": cannot create a scratch folder");
  dir_ = tmpl;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

fs::path ScratchDir::make(const std::string& name) const {
  fs::create_directories(dir_ / name);
  return dir_ / name;
}

void write_piece_record(const fs::path& piece, const PieceRecord& record) {
  rapidjson::StringBuffer sb;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("stamp");
  w.String(record.stamp.c_str());
  if (record.lead_join) {
    const auto& j = *record.lead_join;
    w.Key("lead_join");
    w.StartObject();
    w.Key("measured");
    w.Bool(j.measured);
    w.Key("psnr_first");
    w.Double(j.psnr_first);
    w.Key("psnr_second");
    w.Double(j.psnr_second);
    w.Key("dropped");
    w.Bool(j.dropped);
    w.Key("reason");
    w.String(j.reason.c_str());
    w.EndObject();
  }
  w.EndObject();
  write_file_atomic(fs::path(piece.string() + ".json"),
                    std::string(sb.GetString(), sb.GetSize()) + "\n");
}

std::optional<PieceRecord> read_piece_record(const fs::path& piece) {
  std::string text = read_text(fs::path(piece.string() + ".json"));
  rapidjson::Document d; // a damaged record only means the piece is encoded again
  if (!json::parse(d, text) || !d.IsObject() || !d.HasMember("stamp") || !d["stamp"].IsString())
    return std::nullopt;
  PieceRecord r;
  r.stamp = d["stamp"].GetString();
  if (d.HasMember("lead_join")) {
    const auto& j = d["lead_join"];
    if (!j.IsObject() || !j.HasMember("measured") || !j["measured"].IsBool() ||
        !j.HasMember("psnr_first") || !j["psnr_first"].IsNumber() || !j.HasMember("psnr_second") ||
        !j["psnr_second"].IsNumber() || !j.HasMember("dropped") || !j["dropped"].IsBool() ||
        !j.HasMember("reason") || !j["reason"].IsString())
      return std::nullopt;
    stitch::JoinReport jr;
    jr.measured = j["measured"].GetBool();
    jr.psnr_first = j["psnr_first"].GetDouble();
    jr.psnr_second = j["psnr_second"].GetDouble();
    jr.dropped = j["dropped"].GetBool();
    jr.reason = j["reason"].GetString();
    r.lead_join = jr;
  }
  return r;
}

} // namespace shotchain::pipeline
