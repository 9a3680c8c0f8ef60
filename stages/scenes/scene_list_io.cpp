#include "stages/scenes/scene_list_io.h"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/json_read.h"
#include "stages/timeline/timeline.h"

namespace shotchain::scenes {
namespace {

timeline::Rate rate_of(const SceneList& l) { return {l.rate.num, l.rate.den}; }

// PySceneDetect's "HH:MM:SS.mmm" of a frame count.
std::string clock(int64_t frames, codecs::Rational rate) {
  const int64_t ms = static_cast<int64_t>(
      std::llround(static_cast<double>(frames) * rate.den * 1000.0 / rate.num));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld",
                static_cast<long long>(ms / 3600000), static_cast<long long>(ms / 60000 % 60),
                static_cast<long long>(ms / 1000 % 60), static_cast<long long>(ms % 1000));
  return buf;
}

std::string seconds3(int64_t frames, codecs::Rational rate) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(frames) * rate.den / rate.num);
  return buf;
}

timeline::Sequence sequence_of(const SceneList& l) {
  timeline::Sequence seq;
  seq.name = l.source.stem().string() + " scenes";
  seq.rate = rate_of(l);
  seq.width = l.width;
  seq.height = l.height;
  // The cuts are events of the source itself: record timecode follows the source's own.
  if (!l.start_timecode.empty()) seq.start_frame = l.start_timecode_frame;
  timeline::Media media;
  media.path = std::filesystem::absolute(l.source);
  media.rate = rate_of(l);
  media.start = l.start_timecode_frame;
  media.drop_frame = l.start_timecode.find(';') != std::string::npos;
  media.frames = l.frames;
  media.width = l.width;
  media.height = l.height;
  for (size_t i = 0; i < l.scenes.size(); ++i) {
    timeline::Event e;
    char name[32];
    std::snprintf(name, sizeof name, "scene-%03zu", i + 1);
    e.name = name;
    e.media = media;
    e.source_in = l.scenes[i].start;
    e.length = l.scenes[i].end - l.scenes[i].start;
    e.metadata["scene"] = std::to_string(i + 1);
    e.metadata["cut"] = to_string(l.scenes[i].cut);
    seq.events.push_back(std::move(e));
  }
  return seq;
}

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;
void str(Writer& w, const std::string& s) {
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}
void point(Writer& w, const SceneList& l, int64_t frame) {
  w.StartObject();
  w.Key("frame");
  w.Int64(frame);
  w.Key("seconds");
  w.Double(std::round(static_cast<double>(frame) * l.rate.den / l.rate.num * 1e6) / 1e6);
  w.Key("timecode");
  str(w, source_timecode(l, frame));
  w.EndObject();
}

[[noreturn]] void bad(const std::filesystem::path& p, const std::string& what) {
  throw Error(Failure::bad_input, p.string() + ": " + what);
}

} // namespace

std::optional<ListFormat> list_format_for_path(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".csv") return ListFormat::csv;
  if (ext == ".json") return ListFormat::json;
  if (ext == ".edl") return ListFormat::edl;
  if (ext == ".otio") return ListFormat::otio;
  return std::nullopt;
}

std::string source_timecode(const SceneList& l, int64_t frame) {
  return timeline::timecode(l.start_timecode_frame + frame, rate_of(l));
}

std::string to_csv(const SceneList& l) {
  std::ostringstream out;
  out << "Timecode List:";
  for (size_t i = 1; i < l.scenes.size(); ++i) out << "," << clock(l.scenes[i].start, l.rate);
  out << "\nScene Number,Start Frame,Start Timecode,Start Time (seconds),End Frame,End Timecode,"
         "End Time (seconds),Length (frames),Length (timecode),Length (seconds),"
         "Start Source Timecode,Score,Cut\n";
  for (size_t i = 0; i < l.scenes.size(); ++i) {
    const Scene& s = l.scenes[i];
    const int64_t len = s.end - s.start;
    char score[32];
    std::snprintf(score, sizeof score, "%.3f", s.score);
    // As PySceneDetect: the start frame 1-based, the end frame the last one, inclusive.
    out << i + 1 << "," << s.start + 1 << "," << clock(s.start, l.rate) << ","
        << seconds3(s.start, l.rate) << "," << s.end << "," << clock(s.end, l.rate) << ","
        << seconds3(s.end, l.rate) << "," << len << "," << clock(len, l.rate) << ","
        << seconds3(len, l.rate) << "," << source_timecode(l, s.start) << "," << score << ","
        << (i == 0 ? "" : to_string(s.cut)) << "\n";
  }
  return out.str();
}

std::string to_json(const SceneList& l) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("source");
  str(w, l.source.string());
  w.Key("fps");
  str(w, l.rate.to_string());
  w.Key("frames");
  w.Int64(l.frames);
  w.Key("width");
  w.Int(l.width);
  w.Key("height");
  w.Int(l.height);
  w.Key("start_timecode");
  str(w, source_timecode(l, 0));
  w.Key("detector");
  str(w, to_string(l.detector));
  w.Key("scenes");
  w.StartArray();
  for (size_t i = 0; i < l.scenes.size(); ++i) {
    const Scene& s = l.scenes[i];
    w.StartObject();
    w.Key("scene");
    w.Int64(static_cast<int64_t>(i + 1));
    w.Key("start");
    point(w, l, s.start);
    w.Key("end"); // one past the last frame
    point(w, l, s.end);
    w.Key("frames");
    w.Int64(s.end - s.start);
    w.Key("score");
    w.Double(std::round(s.score * 1000) / 1000);
    w.Key("cut");
    str(w, i == 0 ? "start" : to_string(s.cut));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

std::string to_edl(const SceneList& l) { return timeline::to_edl(sequence_of(l)); }
std::string to_otio(const SceneList& l) { return timeline::to_otio(sequence_of(l)); }

void write_scene_list(const SceneList& l, const std::filesystem::path& path) {
  const auto f = list_format_for_path(path);
  if (!f) bad(path, "output must end in .json, .csv, .edl or .otio");
  std::string text;
  switch (*f) {
    case ListFormat::csv:
      text = to_csv(l);
      break;
    case ListFormat::json:
      text = to_json(l);
      break;
    case ListFormat::edl:
      text = to_edl(l);
      break;
    case ListFormat::otio:
      text = to_otio(l);
      break;
  }
  write_file_atomic(path, text);
}

SceneList read_scene_list_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) bad(path, "cannot be read");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > 64 * 1024 * 1024) bad(path, "too large for a scene list");
  rapidjson::Document d;
  if (auto r = json::parse(d, text, {64u << 20, 64}); !r)
    bad(path, r.reason + " at offset " + std::to_string(r.offset));
  if (!d.IsObject() || !d.HasMember("scenes") || !d["scenes"].IsArray())
    bad(path, "not a scene list (no \"scenes\" array)");
  SceneList l;
  if (d.HasMember("source") && d["source"].IsString()) l.source = d["source"].GetString();
  if (!d.HasMember("fps") || !d["fps"].IsString()) bad(path, "\"fps\" missing");
  const auto rate = codecs::parse_rate(d["fps"].GetString());
  if (!rate) bad(path, "\"fps\" is not a frame rate");
  l.rate = *rate;
  if (d.HasMember("frames") && d["frames"].IsInt64()) l.frames = d["frames"].GetInt64();
  int64_t previous_end = 0;
  for (const auto& s : d["scenes"].GetArray()) {
    const std::string which = "scene " + std::to_string(l.scenes.size() + 1);
    auto frame_of = [&](const char* key) -> int64_t {
      if (!s.IsObject() || !s.HasMember(key) || !s[key].IsObject() || !s[key].HasMember("frame") ||
          !s[key]["frame"].IsInt64())
        bad(path, which + ": \"" + key + ".frame\" missing or not an integer");
      return s[key]["frame"].GetInt64();
    };
    Scene scene;
    scene.start = frame_of("start");
    scene.end = frame_of("end");
    if (scene.start < previous_end || scene.end <= scene.start || scene.end > (int64_t{1} << 40))
      bad(path, which + ": frames out of order");
    previous_end = scene.end;
    scene.start_seconds = static_cast<double>(scene.start) * l.rate.den / l.rate.num;
    scene.end_seconds = static_cast<double>(scene.end) * l.rate.den / l.rate.num;
    l.scenes.push_back(scene);
  }
  if (l.scenes.empty()) bad(path, "no scenes");
  if (l.frames < previous_end) l.frames = previous_end;
  return l;
}

} // namespace shotchain::scenes
