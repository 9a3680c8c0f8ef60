#include "pipeline/provenance.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>

#include "common/json_write.h"
#include "common/sha256.h"

namespace shotchain::pipeline {
namespace fs = std::filesystem;

namespace {

// The query of a URL may carry a signature: never write it anywhere.
std::string redact_query(const std::string& url) {
  auto q = url.find('?');
  return q == std::string::npos ? url : url.substr(0, q) + "?[redacted]";
}

// "1280x720 at 24.000 fps, 145 frames", or "unmeasured" (a journal older than the record).
std::string delivered_text(const SegmentRecord& seg) {
  if (seg.fps <= 0) return "unmeasured";
  char fps[32];
  std::snprintf(fps, sizeof fps, "%.3f", seg.fps);
  return std::to_string(seg.width) + "x" + std::to_string(seg.height) + " at " + fps + " fps, " +
         std::to_string(seg.frames) + " frames";
}

} // namespace

std::map<std::string, std::string> provenance_fields(RunContext& rc, const ShotSpec& s) {
  const ShotState& st = rc.shots[s.id];
  std::map<std::string, std::string> m;
  m["shotchain.shot"] = s.id;
  m["shotchain.model"] = s.model;
  m["shotchain.prompt"] = s.prompt;
  m["shotchain.backend"] = rc.opt.backend->name();
  m["shotchain.reference"] = s.reference.describe();
  std::string ids, hashes;
  for (const auto& seg : st.record.segments) {
    ids += (ids.empty() ? "" : ",") + (seg.prediction_id.empty() ? "-" : seg.prediction_id);
    hashes += (hashes.empty() ? "" : ",") + seg.reference_hash;
  }
  m["shotchain.prediction_ids"] = ids;
  m["shotchain.reference_hashes"] = hashes;
  // A paid clip kept as delivered though it differs from what was asked: said in the QC
  // report and timelines too (only then, so that a run as asked carries no extra field).
  std::string differences;
  for (const auto& seg : st.record.segments)
    if (!seg.difference.empty())
      differences += (differences.empty() ? "" : "; ") + std::string("segment ") +
                     std::to_string(seg.index + 1) + ": " + delivered_text(seg) + ", " +
                     seg.difference;
  if (!differences.empty()) m["shotchain.delivered_differences"] = differences;
  return m;
}

std::string provenance_json(RunContext& rc, const ShotSpec& s, const fs::path& clip,
                            long long frames) {
  const ShotState& st = rc.shots[s.id];
  rapidjson::StringBuffer sb;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
  auto str = [&](const char* k, std::string_view v) { json::put_string(w, k, v); };
  w.StartObject();
  str("shot", s.id);
  str("backend", rc.opt.backend->name());
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
    // As delivered (null: not measured, a journal older than this record).
    w.Key("fps");
    if (seg.fps > 0)
      w.Double(seg.fps);
    else
      w.Null();
    if (seg.fps > 0)
      str("size", std::to_string(seg.width) + "x" + std::to_string(seg.height));
    else {
      w.Key("size");
      w.Null();
    }
    str("difference", seg.difference);
    w.EndObject();
  }
  w.EndArray();
  str("clip", fs::relative(clip, rc.report.output_dir).string());
  w.Key("frames");
  w.Int64(frames);
  str("written", iso_time_now());
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize()) + "\n";
}

std::string provenance_summary(RunContext& rc) {
  std::string all = "[";
  for (std::size_t i = 0; i < rc.job.shots.size(); ++i) {
    const auto& s = rc.job.shots[i];
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    const ShotState& st = rc.shots[s.id];
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
  return all;
}

} // namespace shotchain::pipeline
