#include "stages/stitch/qc.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace shotchain::stitch {
namespace {
using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;
void str(Writer& w, const std::string& s) {
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}
void rational(Writer& w, Rational r) {
  str(w, std::to_string(r.num) + "/" + std::to_string(r.den));
}
} // namespace

std::string qc_report_json(const Result& r) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("clips");
  w.StartArray();
  for (std::size_t i = 0; i < r.clips.size(); ++i) {
    const auto& c = r.clips[i];
    w.StartObject();
    w.Key("position");
    w.Uint64(i + 1);
    w.Key("path");
    str(w, c.path.string());
    w.Key("label");
    str(w, c.label);
    w.Key("source_size");
    str(w, std::to_string(c.source_size.width) + "x" + std::to_string(c.source_size.height));
    w.Key("rotation");
    w.Int(c.rotation);
    w.Key("source_fps");
    rational(w, c.source_fps);
    w.Key("source_timecode");
    if (c.source_timecode.empty())
      w.Null();
    else
      str(w, c.source_timecode);
    w.Key("has_audio");
    w.Bool(c.has_audio);
    w.Key("frames_in");
    w.Int64(c.frames_in);
    w.Key("frames_out");
    w.Int64(c.frames_out);
    w.Key("dropped_first_frame");
    w.Bool(c.dropped_first != 0);
    w.Key("record_in");
    w.Int64(c.record_in);
    w.Key("conform_actions");
    w.StartArray();
    for (const auto& a : c.conform_actions) str(w, a);
    w.EndArray();
    w.Key("metadata");
    w.StartObject();
    for (const auto& [k, v] : c.metadata) {
      str(w, k);
      str(w, v);
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.Key("joins");
  w.StartArray();
  for (const auto& j : r.joins) {
    w.StartObject();
    w.Key("after_clip");
    w.Uint64(j.index + 1);
    w.Key("measured");
    w.Bool(j.measured);
    w.Key("psnr_last_vs_first");
    w.Double(j.psnr_first);
    w.Key("psnr_last_vs_second");
    w.Double(j.psnr_second);
    w.Key("dropped");
    w.Bool(j.dropped);
    w.Key("reason");
    str(w, j.reason);
    w.EndObject();
  }
  w.EndArray();
  w.Key("sequence");
  w.StartObject();
  w.Key("stream_copied");
  w.Bool(r.stream_copied);
  w.Key("video_codec");
  str(w, r.video_codec);
  w.Key("size");
  str(w, std::to_string(r.size.width) + "x" + std::to_string(r.size.height));
  w.Key("fps");
  rational(w, r.fps);
  w.Key("frames");
  w.Int64(r.frames);
  w.Key("duration");
  w.Double(r.duration);
  w.Key("constant_rate");
  w.Bool(r.constant_rate);
  w.Key("timestamps_strictly_increasing");
  w.Bool(r.timestamps_increasing);
  w.Key("has_audio");
  w.Bool(r.has_audio);
  w.Key("audio_duration");
  w.Double(r.audio_duration);
  w.Key("audio_video_difference");
  w.Double(r.has_audio ? r.audio_duration - r.duration : 0.0);
  w.Key("outputs");
  w.StartArray();
  for (const auto& p : r.written) str(w, p.string());
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

} // namespace shotchain::stitch
