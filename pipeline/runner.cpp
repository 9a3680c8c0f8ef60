#include "pipeline/runner.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "common/cpu_time.h"
#include "common/error.h"
#include "common/json_read.h"
#include "common/sha256.h"
#include "pipeline/journal.h"
#include "stages/frame_extract.h"
#include "stages/preview_generator.h"
#include "stages/stitch/stitch.h"

namespace shotchain::pipeline {
namespace fs = std::filesystem;

std::filesystem::path default_state_dir(const JobSpec& job) {
  std::string stem = job.file.empty() ? "job" : job.file.stem().string();
  return job.base_dir / (stem + ".state");
}

namespace {

std::string quoted(const std::string& id) { return "shot \"" + id + "\""; }

// Temporaries of writers killed mid-write (".NAME.part-PID-N", codecs/output_file.h): with the
// state folder locked, no other run owns them.
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

// An exclusive lock on the state folder for the whole run (released by the kernel if the
// process dies): two runs of one job never write the same journal.
class StateLock {
 public:
  explicit StateLock(const fs::path& dir) {
    fs::path p = dir / "lock";
    fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(Failure::runtime, p.string() + ": cannot open the state lock");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw Error(Failure::runtime,
                  dir.string() + ": another shotchain run is using this state folder");
    }
  }
  ~StateLock() { ::close(fd_); }
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  int fd_ = -1;
};

// The query of a URL may carry a signature: never write it anywhere.
std::string redact_query(const std::string& url) {
  auto q = url.find('?');
  return q == std::string::npos ? url : url.substr(0, q) + "?[redacted]";
}

// A private folder under the system's temporary folder, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "shotchain-dry-run-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
      throw Error(Failure::runtime, tmpl + ": cannot create a scratch folder");
    dir_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  fs::path make(const std::string& name) const {
    fs::create_directories(dir_ / name);
    return dir_ / name;
  }

 private:
  fs::path dir_;
};

// Where a shot's first reference comes from, resolved to an image file.
struct Reference {
  fs::path file;
  std::string hash;
  std::string time; // the source time (video references), for provenance
};

struct ShotState {
  enum class Status { pending, running, done, failed };
  Status status = Status::pending;
  ShotRecord record;
  Reference first_reference;   // image/video references: resolved in pre-flight
  fs::path last_frame;         // done: the shot's last frame (reference for dependents)
  std::string last_frame_hash; //
  std::exception_ptr error;
};

class Runner {
 public:
  Runner(const JobSpec& job, const RunOptions& opt) : job_(job), opt_(opt) {
    if (!opt_.backend) throw Error(Failure::bad_input, "run: no generation backend");
    if (opt_.concurrency < 1 || opt_.concurrency > 64)
      throw Error(Failure::bad_input,
                  "--concurrency: " + std::to_string(opt_.concurrency) + " is out of range 1..64");
    sink_ = opt_.sink ? opt_.sink : &null_sink_;
    cancel_ = opt_.cancel ? opt_.cancel : &never_;
    report_.plan = make_plan(job_);
    report_.dry_run = opt_.dry_run;
    report_.state_dir = opt_.state_dir.empty() ? default_state_dir(job_) : opt_.state_dir;
    report_.output_dir = opt_.output_dir.empty() ? job_.output.path.parent_path() : opt_.output_dir;
    report_.sequence = report_.output_dir / job_.output.path.filename();
  }

  RunReport run() {
    event(ProgressEvent::Kind::log, "", "plan",
          "plan: " + std::to_string(report_.plan.generations) + " generations, " +
              std::to_string(report_.plan.frames) + " frames, backend " + opt_.backend->name());
    if (opt_.dry_run) {
      // A dry run writes nothing beside the job: video reference frames are extracted for
      // their checks into a scratch folder that goes away with the run.
      ScratchDir scratch;
      preflight([&](const std::string& id) { return scratch.make(id); });
      return report_;
    }
    journal_ = std::make_unique<Journal>(report_.state_dir);
    lock_ = std::make_unique<StateLock>(report_.state_dir);
    sweep_journal_temporaries(report_.state_dir / "shots");
    preflight([this](const std::string& id) { return journal_->shot_dir(id); });
    cancel_->throw_if_requested("run");
    generate_all();
    report_.cpu.generation = process_cpu_seconds();
    report_.cpu.generation_media = media_cpu_seconds();
    assemble();
    report_.cpu.assembly = process_cpu_seconds() - report_.cpu.generation;
    return report_;
  }

 private:
  // ---------------------------------------------------------------- progress
  void event(ProgressEvent::Kind kind, const std::string& shot, const std::string& stage,
             const std::string& message, int segment = -1, int segments = -1) {
    ProgressEvent e;
    e.kind = kind;
    e.shot_id = shot;
    e.stage = stage;
    e.message = message;
    e.segment = segment;
    e.segments = segments;
    sink_->on_event(e);
  }

  // ---------------------------------------------------------------- pre-flight
  GenerationRequest request_for(const ShotSpec& s, int segment) const {
    GenerationRequest r;
    r.shot_id = s.id;
    r.segment = segment;
    r.segments = s.segments;
    r.model = s.model;
    r.prompt = s.prompt;
    r.duration = s.duration;
    r.prompt_expansion = s.prompt_expansion;
    if (s.end_image && segment == s.segments - 1) r.end_image = *s.end_image;
    return r;
  }

  static stages::FrameRequest frame_request(const ShotSpec& s) {
    const auto& ref = s.reference;
    stages::FrameRequest fr;
    auto time = [&](const std::string& t) {
      auto ts = stages::parse_time(t);
      if (!ts)
        throw Error(Failure::bad_input,
                    quoted(s.id) + ": reference time \"" + t + "\" is not a time");
      return *ts;
    };
    switch (ref.pick) {
      case ReferenceSpec::Pick::at:
        fr.kind = stages::FrameRequest::Kind::at;
        fr.time = time(ref.time);
        break;
      case ReferenceSpec::Pick::frame:
        fr.kind = stages::FrameRequest::Kind::index;
        fr.index = ref.frame;
        break;
      case ReferenceSpec::Pick::first:
        fr.kind = stages::FrameRequest::Kind::first;
        break;
      case ReferenceSpec::Pick::last:
        fr.kind = stages::FrameRequest::Kind::last;
        break;
      case ReferenceSpec::Pick::best_near:
        fr.kind = stages::FrameRequest::Kind::best_near;
        fr.time = time(ref.time);
        fr.window = ref.window;
        break;
      case ReferenceSpec::Pick::none:
        break;
    }
    return fr;
  }

  // Every local check of every shot, before anything is spent. Video references are
  // extracted here, into `folder_for(shot)` (the state folder, or a scratch folder for a dry
  // run), so that their frame is checked too.
  void preflight(const std::function<fs::path(const std::string&)>& folder_for) {
    for (const auto& s : job_.shots) {
      cancel_->throw_if_requested("pre-flight");
      ShotState& st = shots_[s.id];
      const auto& ref = s.reference;
      GenerationRequest req = request_for(s, 0);
      try {
        if (ref.kind == ReferenceSpec::Kind::image) {
          if (!fs::is_regular_file(ref.path))
            throw Error(Failure::bad_input,
                        quoted(s.id) + ": reference image " + ref.path.string() + ": no such file");
          st.first_reference = {ref.path, sha256_file(ref.path), ""};
        } else if (ref.kind == ReferenceSpec::Kind::video) {
          if (!fs::is_regular_file(ref.path))
            throw Error(Failure::bad_input,
                        quoted(s.id) + ": reference video " + ref.path.string() + ": no such file");
          fs::path png = folder_for(s.id) / "reference.png";
          auto got = stages::extract_frame_to_image(ref.path, frame_request(s), png);
          char t[32];
          std::snprintf(t, sizeof t, "%.3f", got.seconds);
          st.first_reference = {png, sha256_file(png), t};
          event(ProgressEvent::Kind::log, s.id, "reference",
                "reference: " + ref.describe() + " -> frame at " + t + " s");
        }
        req.reference_image = st.first_reference.file;
        opt_.backend->preflight(req);
        for (int k = 1; k < s.segments; ++k) {
          GenerationRequest later = request_for(s, k);
          opt_.backend->preflight(later);
        }
      } catch (const Error& e) {
        if (e.failure() != Failure::bad_input) throw;
        std::string what = e.what();
        if (what.find(quoted(s.id)) == std::string::npos) what = quoted(s.id) + ": " + what;
        throw Error(Failure::bad_input, what);
      }
    }
    event(ProgressEvent::Kind::log, "", "preflight",
          "pre-flight: " + std::to_string(job_.shots.size()) + " shots checked");
  }

  // ---------------------------------------------------------------- generation
  std::string shot_fingerprint(const ShotSpec& s) const {
    std::string f = "v1\n" + opt_.backend->name() + "\n" + s.model + "\n" + s.prompt + "\n" +
                    std::to_string(s.duration) + "\n" + (s.prompt_expansion ? "1" : "0") + "\n" +
                    std::to_string(s.segments) + "\n" + s.reference.describe() + "\n";
    if (s.end_image) f += "end " + sha256_file(*s.end_image) + "\n";
    return sha256_hex(f);
  }

  void generate_all() {
    std::vector<std::thread> workers;
    int n = std::min<int>(opt_.concurrency, static_cast<int>(job_.shots.size()));
    for (int i = 0; i < n; ++i) workers.emplace_back([this] { worker(); });
    for (auto& w : workers) w.join();
    if (cancel_->requested())
      throw Error(Failure::interrupted, "run: interrupted; the journal in " +
                                            report_.state_dir.string() + " keeps what was done");
    for (const auto& s : job_.shots)
      if (shots_[s.id].error) std::rethrow_exception(shots_[s.id].error);
  }

  // Picks the next shot whose dependency is done; marks dependents of failed shots failed.
  const ShotSpec* next_ready(std::unique_lock<std::mutex>& lock) {
    for (;;) {
      if (cancel_->requested()) return nullptr;
      bool pending_left = false;
      for (const auto& s : job_.shots) {
        ShotState& st = shots_[s.id];
        if (st.status != ShotState::Status::pending) continue;
        pending_left = true;
        if (s.reference.kind == ReferenceSpec::Kind::shot) {
          const ShotState& dep = shots_[s.reference.shot];
          if (dep.status == ShotState::Status::failed) {
            st.status = ShotState::Status::failed;
            st.error = std::make_exception_ptr(
                Error(Failure::runtime,
                      quoted(s.id) + ": not run: " + quoted(s.reference.shot) + " failed"));
            cv_.notify_all();
            continue;
          }
          if (dep.status != ShotState::Status::done) continue;
        }
        st.status = ShotState::Status::running;
        return &s;
      }
      if (!pending_left) return nullptr;
      // Wake up now and then to notice cancellation.
      cv_.wait_for(lock, std::chrono::milliseconds(100));
    }
  }

  void worker() {
    std::unique_lock lock(mutex_);
    while (const ShotSpec* s = next_ready(lock)) {
      lock.unlock();
      std::exception_ptr err;
      try {
        run_shot(*s);
      } catch (const Error& e) {
        // Every failure names its shot.
        std::string what = e.what();
        if (what.find(quoted(s->id)) == std::string::npos)
          err = std::make_exception_ptr(Error(e.failure(), e.code(), quoted(s->id) + ": " + what));
        else
          err = std::current_exception();
      } catch (...) {
        err = std::current_exception();
      }
      lock.lock();
      ShotState& st = shots_[s->id];
      if (err) {
        st.status = ShotState::Status::failed;
        st.error = err;
        try {
          std::rethrow_exception(err);
        } catch (const std::exception& e) {
          event(ProgressEvent::Kind::failed, s->id, "shot", e.what());
        }
      } else {
        st.status = ShotState::Status::done;
      }
      cv_.notify_all();
    }
  }

  static bool file_matches(const std::string& file, const std::string& checksum) {
    if (file.empty() || checksum.empty() || !fs::is_regular_file(file)) return false;
    return sha256_file(file) == checksum;
  }

  void run_shot(const ShotSpec& s) {
    Reference ref;
    {
      std::lock_guard lock(mutex_);
      ShotState& st = shots_[s.id];
      if (s.reference.kind == ReferenceSpec::Kind::shot) {
        const ShotState& dep = shots_[s.reference.shot];
        ref = {dep.last_frame, dep.last_frame_hash, "last"};
      } else {
        ref = st.first_reference;
      }
    }
    fs::path dir = journal_->shot_dir(s.id);
    remove_stale_parts(dir);
    ShotRecord rec = journal_->load(s.id).value_or(ShotRecord{});
    std::string sfp = shot_fingerprint(s);
    if (rec.id.empty()) rec.id = s.id;
    if (rec.fingerprint != sfp) {
      rec.fingerprint = sfp;
      rec.clip_file.clear();
      rec.clip_checksum.clear();
    }
    rec.segments.resize(static_cast<std::size_t>(s.segments));
    bool generated_any = false;
    std::mutex rec_mutex; // hooks may be called from the backend's threads
    for (int k = 0; k < s.segments; ++k) {
      cancel_->throw_if_requested(quoted(s.id));
      SegmentRecord& seg = rec.segments[static_cast<std::size_t>(k)];
      std::string fp = sha256_hex(sfp + "\nsegment " + std::to_string(k) + "\nref " + ref.hash);
      if (seg.fingerprint != fp) {
        // The spec or the reference changed: this segment is made again. Paid ids of the old
        // version are kept for the record, never resubmitted or reused.
        std::vector<std::string> old = seg.superseded_predictions;
        if (!seg.prediction_id.empty()) old.push_back(seg.prediction_id);
        seg = SegmentRecord{};
        seg.superseded_predictions = std::move(old);
        seg.fingerprint = fp;
      }
      seg.index = k;
      seg.reference_hash = ref.hash;
      seg.reference_file = ref.file.string();
      StageContext ctx;
      ctx.sink = sink_;
      ctx.cancel = cancel_;
      ctx.shot_id = s.id;
      ctx.segment = k;
      ctx.segments = s.segments;
      ctx.work_dir = dir;
      if (k > 0 || s.reference.kind == ReferenceSpec::Kind::shot) {
        // A chained reference (a generated clip's last frame), checked as the service will.
        GenerationRequest check = request_for(s, k);
        check.reference_image = ref.file;
        opt_.backend->preflight(check);
      }
      if (seg.status == SegmentRecord::Status::done && file_matches(seg.local_file, seg.checksum) &&
          file_matches(seg.last_frame_file, seg.last_frame_hash)) {
        ctx.report(ProgressEvent::Kind::skipped, "generate", "done already (journal)");
        std::lock_guard lock(mutex_);
        ++report_.reused;
      } else {
        journal_->save(rec);
        GenerationRequest req = request_for(s, k);
        req.reference_image = ref.file;
        req.output = dir / ("segment-" + std::to_string(k + 1) + ".mp4");
        const fs::path last = dir / ("segment-" + std::to_string(k + 1) + "-last.png");
        req.last_frame = last;
        GenerationResume resume{seg.upload_url, seg.intent_time, seg.prediction_id, seg.output_url};
        bool had_id = !seg.prediction_id.empty();
        GenerationHooks hooks;
        auto save = [&] { journal_->save(rec); };
        hooks.on_upload = [&](const std::string& url) {
          std::lock_guard l(rec_mutex);
          seg.upload_url = url;
          save();
        };
        hooks.on_intent = [&](const std::string& t) {
          std::lock_guard l(rec_mutex);
          seg.intent_time = t;
          seg.status = SegmentRecord::Status::intent;
          save();
        };
        hooks.on_prediction_id = [&](const std::string& id) {
          std::lock_guard l(rec_mutex);
          seg.prediction_id = id;
          seg.status = SegmentRecord::Status::submitted;
          save();
        };
        hooks.on_status = [&](const std::string& st) {
          ctx.report(ProgressEvent::Kind::progress, "generate", {}, -1, st);
        };
        hooks.on_output_url = [&](const std::string& url) {
          std::lock_guard l(rec_mutex);
          seg.output_url = url;
          seg.status = SegmentRecord::Status::completed;
          save();
        };
        ctx.report(ProgressEvent::Kind::started, "generate",
                   had_id ? "resuming prediction " + seg.prediction_id : "");
        GenerationResult res = opt_.backend->generate(req, resume, hooks, ctx);
        // Verify: decodes, 25 fps, the expected frame count; keep its last frame losslessly.
        // A backend that decoded the clip to verify it has saved that frame already.
        ctx.report(ProgressEvent::Kind::progress, "verify");
        preview::ClipFacts facts;
        if (res.last_frame == last && res.fps > 0 && fs::is_regular_file(last)) {
          facts.frames = res.frames;
          facts.width = res.width;
          facts.height = res.height;
          facts.fps = res.fps;
        } else {
          facts = preview::inspect_clip(res.file, last, cancel_);
        }
        std::string who =
            quoted(s.id) + " segment " + std::to_string(k + 1) +
            (res.prediction_id.empty() ? "" : " (prediction " + res.prediction_id + ")");
        if (facts.frames != req.expected_frames())
          throw Error(Failure::runtime, who + ": the clip has " + std::to_string(facts.frames) +
                                            " frames, expected " +
                                            std::to_string(req.expected_frames()));
        if (facts.fps < 24.99 || facts.fps > 25.01)
          throw Error(Failure::runtime, who + ": the clip is not 25 fps");
        std::lock_guard l(rec_mutex);
        if (!res.prediction_id.empty()) seg.prediction_id = res.prediction_id;
        if (!res.output_url.empty()) seg.output_url = res.output_url;
        if (!res.upload_url.empty()) seg.upload_url = res.upload_url;
        seg.local_file = res.file.string();
        seg.checksum = sha256_file(res.file);
        seg.frames = facts.frames;
        seg.last_frame_file = last.string();
        seg.last_frame_hash = sha256_file(last);
        seg.status = SegmentRecord::Status::done;
        journal_->save(rec);
        ctx.report(ProgressEvent::Kind::finished, "generate",
                   std::to_string(facts.frames) + " frames " + std::to_string(facts.width) + "x" +
                       std::to_string(facts.height));
        generated_any = true;
        std::lock_guard lock(mutex_);
        if (had_id)
          ++report_.resumed;
        else
          ++report_.generated;
      }
      // Chain: the next segment starts from this one's last decoded frame.
      ref = {seg.last_frame_file, seg.last_frame_hash, ""};
    }
    std::lock_guard lock(mutex_);
    ShotState& st = shots_[s.id];
    st.record = rec;
    st.last_frame = ref.file;
    st.last_frame_hash = ref.hash;
    if (generated_any) report_.generated_shots.push_back(s.id);
  }

  // ---------------------------------------------------------------- assembly
  std::map<std::string, std::string> provenance_fields(const ShotSpec& s) {
    const ShotState& st = shots_[s.id];
    std::map<std::string, std::string> m;
    m["shotchain.shot"] = s.id;
    m["shotchain.model"] = s.model;
    m["shotchain.prompt"] = s.prompt;
    m["shotchain.backend"] = opt_.backend->name();
    m["shotchain.reference"] = s.reference.describe();
    std::string ids, hashes;
    for (const auto& seg : st.record.segments) {
      ids += (ids.empty() ? "" : ",") + (seg.prediction_id.empty() ? "-" : seg.prediction_id);
      hashes += (hashes.empty() ? "" : ",") + seg.reference_hash;
    }
    m["shotchain.prediction_ids"] = ids;
    m["shotchain.reference_hashes"] = hashes;
    return m;
  }

  std::string provenance_json(const ShotSpec& s, const fs::path& clip, long long frames) {
    const ShotState& st = shots_[s.id];
    rapidjson::StringBuffer sb;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
    auto str = [&](const char* k, const std::string& v) {
      w.Key(k);
      w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    };
    w.StartObject();
    str("shot", s.id);
    str("backend", opt_.backend->name());
    str("model", s.model);
    str("prompt", s.prompt);
    w.Key("duration");
    w.Int(s.duration);
    w.Key("prompt_expansion");
    w.Bool(s.prompt_expansion);
    w.Key("reference");
    w.StartObject();
    str("source", s.reference.describe());
    str("kind", s.reference.kind == ReferenceSpec::Kind::image   ? "image"
                : s.reference.kind == ReferenceSpec::Kind::video ? "video"
                                                                 : "shot");
    str("time", s.reference.kind == ReferenceSpec::Kind::video ? st.first_reference.time : "");
    str("sha256", st.record.segments.empty() ? "" : st.record.segments[0].reference_hash);
    w.EndObject();
    if (s.end_image) {
      w.Key("end_image");
      w.StartObject();
      str("path", s.end_image->string());
      str("sha256", sha256_file(*s.end_image));
      w.EndObject();
    }
    w.Key("segments");
    w.StartArray();
    for (const auto& seg : st.record.segments) {
      w.StartObject();
      w.Key("index");
      w.Int(seg.index + 1);
      str("prediction_id", seg.prediction_id);
      str("output_url", redact_query(seg.output_url));
      str("reference_sha256", seg.reference_hash);
      str("clip_sha256", seg.checksum);
      w.Key("frames");
      w.Int(seg.frames);
      w.EndObject();
    }
    w.EndArray();
    str("clip", fs::relative(clip, report_.output_dir).string());
    w.Key("frames");
    w.Int64(frames);
    str("written", iso_time_now());
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize()) + "\n";
  }

  void assemble() {
    cancel_->throw_if_requested("assemble");
    std::error_code ec;
    fs::create_directories(report_.output_dir, ec);
    if (!ec && !opt_.sequence_only) fs::create_directories(report_.output_dir / "shots", ec);
    if (!ec && !opt_.sequence_only) fs::create_directories(report_.output_dir / "provenance", ec);
    if (ec)
      throw Error(
          Failure::runtime, ec,
          report_.output_dir.string() + ": cannot create the output folder: " + ec.message());
    remove_stale_parts(report_.output_dir);
    remove_stale_parts(report_.output_dir / "shots");
    remove_stale_parts(report_.output_dir / "provenance");
    stitch::Codec codec = stitch::parse_codec(job_.output.codec, "output.codec");
    stitch::Rational fps{job_.output.fps, 1};
    std::string ext = job_.output.path.extension().string();

    std::vector<ShotClip> clips;
    std::vector<fs::path> shot_files;
    std::vector<long long> shot_frames;
    for (const auto& s : job_.shots) {
      cancel_->throw_if_requested("assemble");
      ShotState& st = shots_[s.id];
      fs::path out = opt_.sequence_only ? journal_->shot_dir(s.id) / ("clip" + ext)
                                        : report_.output_dir / "shots" / (s.id + ext);
      std::vector<stitch::Clip> segs;
      for (const auto& seg : st.record.segments)
        segs.push_back({seg.local_file, s.id + " " + std::to_string(seg.index + 1), {}});
      stitch::Options so;
      so.output = out;
      so.codec = codec;
      so.fps = fps;
      if (job_.output.width) so.size = stitch::Size{job_.output.width, job_.output.height};
      so.dedupe_joins = true;
      so.cancel = cancel_;
      // Made already from the same segments with the same settings: not made again.
      std::string fp = "shot-clip-v1\n" + out.string() + "\n" + job_.output.codec + "\n" +
                       std::to_string(job_.output.fps) + "\n" + std::to_string(job_.output.width) +
                       "x" + std::to_string(job_.output.height) + "\n";
      for (const auto& seg : st.record.segments) fp += seg.checksum + "\n";
      fp = sha256_hex(fp);
      long long frames = 0;
      if (auto f = stamped_frames(st.record.clip_checksum, fp, out); f >= 0) {
        frames = f;
        event(ProgressEvent::Kind::skipped, s.id, "assemble",
              "shot clip unchanged: " + out.string());
      } else {
        event(ProgressEvent::Kind::started, s.id, "assemble",
              "shot clip " + out.filename().string());
        stitch::Result r = stitch::stitch(segs, so);
        frames = r.frames;
        st.record.clip_file = out.string();
        st.record.clip_checksum = stamp(fp, out, frames);
        journal_->save(st.record);
        event(ProgressEvent::Kind::finished, s.id, "assemble",
              std::to_string(r.frames) + " frames -> " + out.string());
      }
      shot_files.push_back(out);
      shot_frames.push_back(frames);
      if (!opt_.sequence_only) report_.written.push_back(out);
      clips.push_back({s.id, out, provenance_fields(s)});
    }
    // The host's own stages (a grade, an upscale, ...) on every shot clip.
    for (const auto& stage : opt_.before_assembly) {
      for (auto& clip : clips) {
        cancel_->throw_if_requested("assemble");
        StageContext ctx;
        ctx.sink = sink_;
        ctx.cancel = cancel_;
        ctx.shot_id = clip.shot_id;
        ctx.work_dir = journal_->shot_dir(clip.shot_id);
        ctx.report(ProgressEvent::Kind::started, stage->name());
        ShotClip next = stage->run(clip, ctx);
        if (next.metadata.empty()) next.metadata = clip.metadata;
        clip = std::move(next);
        ctx.report(ProgressEvent::Kind::finished, stage->name(), clip.file.string());
      }
    }
    // Provenance records.
    std::string all = "[";
    for (std::size_t i = 0; i < job_.shots.size(); ++i) {
      const auto& s = job_.shots[i];
      fs::path p = report_.output_dir / "provenance" / (s.id + ".json");
      if (!opt_.sequence_only) {
        write_file_atomic(p, provenance_json(s, shot_files[i], shot_frames[i]));
        report_.written.push_back(p);
      }
      rapidjson::StringBuffer sb;
      rapidjson::Writer<rapidjson::StringBuffer> w(sb);
      const ShotState& st = shots_[s.id];
      w.StartObject();
      w.Key("shot");
      w.String(s.id.c_str());
      w.Key("model");
      w.String(s.model.c_str());
      w.Key("prompt");
      w.String(s.prompt.c_str());
      w.Key("reference");
      w.String(s.reference.describe().c_str());
      w.Key("predictions");
      w.StartArray();
      for (const auto& seg : st.record.segments) w.String(seg.prediction_id.c_str());
      w.EndArray();
      w.EndObject();
      all += (i ? "," : "") + std::string(sb.GetString());
    }
    all += "]";
    // The sequence.
    std::vector<stitch::Clip> seq;
    for (const auto& lead : opt_.lead_clips)
      seq.push_back({lead, lead.stem().string(), {{"shotchain.source", lead.string()}}});
    for (const auto& c : clips) seq.push_back({c.file, c.shot_id, c.metadata});
    stitch::Options so;
    so.output = report_.sequence;
    so.codec = codec;
    so.fps = fps;
    if (job_.output.width) so.size = stitch::Size{job_.output.width, job_.output.height};
    so.dedupe_joins = true;
    for (const auto& t : job_.output.timelines) {
      if (t == "otio") so.timelines.otio = true;
      if (t == "fcpxml") so.timelines.fcpxml = true;
      if (t == "edl") so.timelines.edl = true;
    }
    std::string stem = report_.sequence.stem().string();
    if (job_.output.qc) so.qc_json = report_.output_dir / (stem + ".qc.json");
    if (job_.output.contact_sheet) so.contact_sheet = report_.output_dir / (stem + ".contact.png");
    so.container_metadata = {{"title", stem},
                             {"comment", "shotchain provenance " + all},
                             {"encoder", "shotchain " + opt_.backend->name()}};
    so.cancel = cancel_;
    so.progress = [this](const stitch::Progress& p) {
      ProgressEvent e;
      e.kind = ProgressEvent::Kind::progress;
      e.stage = "assemble";
      e.message = p.phase;
      if (p.frames_total > 0)
        e.fraction = static_cast<double>(p.frames_done) / static_cast<double>(p.frames_total);
      sink_->on_event(e);
    };
    // The same inputs and settings as the last assembly, its files untouched: nothing to do.
    // (Never skipped with host stages: what they make is theirs.)
    std::string fp = "sequence-v1\n" + report_.sequence.string() + "\n" + job_.output.codec + "\n" +
                     std::to_string(job_.output.fps) + "\n" + std::to_string(job_.output.width) +
                     "x" + std::to_string(job_.output.height) + "\n" + all + "\n" +
                     (job_.output.qc ? "qc" : "") + (job_.output.contact_sheet ? "sheet" : "") +
                     "\n";
    for (const auto& t : job_.output.timelines) fp += t + ",";
    for (const auto& c : seq) fp += "\n" + c.path.string() + " " + file_stamp(c.path);
    fp = sha256_hex(fp);
    fs::path record = report_.state_dir / "assembly.json";
    std::vector<fs::path> previous;
    long long frames = opt_.before_assembly.empty() ? assembly_unchanged(record, fp, previous) : -1;
    std::vector<fs::path> written;
    if (frames >= 0) {
      written = previous;
      event(ProgressEvent::Kind::skipped, "", "assemble",
            "sequence unchanged: " + report_.sequence.string());
    } else {
      event(ProgressEvent::Kind::started, "", "assemble", report_.sequence.string());
      stitch::Result r = stitch::stitch(seq, so);
      frames = r.frames;
      written = r.written;
      write_assembly_record(record, fp, frames, written);
      event(ProgressEvent::Kind::finished, "", "assemble",
            std::to_string(r.frames) + " frames -> " + report_.sequence.string());
    }
    report_.frames = frames;
    for (auto& p : report_.written) written.push_back(p);
    report_.written = std::move(written);
  }

  const JobSpec& job_;
  const RunOptions& opt_;
  NullProgressSink null_sink_;
  CancelToken never_;
  ProgressSink* sink_ = nullptr;
  const CancelToken* cancel_ = nullptr;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<StateLock> lock_;
  RunReport report_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, ShotState> shots_;
};

} // namespace

RunReport run_job(const JobSpec& job, const RunOptions& options) {
  Runner runner(job, options);
  return runner.run();
}

} // namespace shotchain::pipeline
