// The OpenTimelineIO writer (.otio JSON, the schema versions OTIO 0.15+ reads). A clip's
// source_range starts at its first media frame in the media's own rate and lasts its record
// length in the sequence's rate, so the track adds up to the sequence frame for frame and the
// range ends where the sequence leaves the media; available_range is the media's own extent.
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "stages/timeline/timeline.h"

namespace shotchain::timeline {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void str(Writer& w, const std::string& s) {
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}

void schema(Writer& w, const char* name) {
  w.Key("OTIO_SCHEMA");
  w.String(name);
}

void rational_time(Writer& w, std::int64_t frames, Rate rate) {
  w.StartObject();
  schema(w, "RationalTime.1");
  w.Key("rate");
  w.Double(static_cast<double>(rate.num) / rate.den);
  w.Key("value");
  w.Double(static_cast<double>(frames));
  w.EndObject();
}

void time_range(Writer& w, std::int64_t start, Rate start_rate, std::int64_t duration,
                Rate duration_rate) {
  w.StartObject();
  schema(w, "TimeRange.1");
  w.Key("duration");
  rational_time(w, duration, duration_rate);
  w.Key("start_time");
  rational_time(w, start, start_rate);
  w.EndObject();
}

void empty_item_lists(Writer& w) {
  w.Key("effects");
  w.StartArray();
  w.EndArray();
  w.Key("markers");
  w.StartArray();
  w.EndArray();
  w.Key("enabled");
  w.Bool(true);
}

void string_map(Writer& w, const char* name, const std::map<std::string, std::string>& values) {
  w.Key("metadata");
  w.StartObject();
  w.Key(name);
  w.StartObject();
  for (const auto& [k, v] : values) {
    str(w, k);
    str(w, v);
  }
  w.EndObject();
  w.EndObject();
}

void media_reference(Writer& w, const Media& m) {
  w.StartObject();
  schema(w, "ExternalReference.1");
  w.Key("name");
  str(w, m.path.filename().string());
  w.Key("target_url");
  str(w, file_url(m.path));
  w.Key("available_range");
  time_range(w, m.start, m.rate, m.frames, m.rate);
  std::map<std::string, std::string> facts{
      {"rate", std::to_string(m.rate.num) + "/" + std::to_string(m.rate.den)},
      {"width", std::to_string(m.width)},
      {"height", std::to_string(m.height)},
      {"timecode", timecode(m.start, m.rate, m.drop_frame)}};
  if (m.has_audio) {
    facts["audio_channels"] = std::to_string(m.audio_channels);
    facts["audio_rate"] = std::to_string(m.audio_rate);
  }
  string_map(w, "shotchain", facts);
  w.EndObject();
}

void clip(Writer& w, const Event& e, Rate sequence) {
  w.StartObject();
  schema(w, "Clip.1");
  w.Key("name");
  str(w, e.name);
  string_map(w, "shotchain", e.metadata);
  w.Key("source_range");
  time_range(w, e.media.start + e.source_in, e.media.rate, e.length, sequence);
  w.Key("media_reference");
  media_reference(w, e.media);
  empty_item_lists(w);
  w.EndObject();
}

void gap(Writer& w, std::int64_t length, Rate sequence) {
  w.StartObject();
  schema(w, "Gap.1");
  w.Key("name");
  w.String("");
  w.Key("metadata");
  w.StartObject();
  w.EndObject();
  w.Key("source_range");
  time_range(w, 0, sequence, length, sequence);
  empty_item_lists(w);
  w.EndObject();
}

// A Stack or Track up to its open "children" array (`kind` null for a Stack).
void open_composition(Writer& w, const char* schema_name, const char* name, const char* kind) {
  w.StartObject();
  schema(w, schema_name);
  w.Key("name");
  w.String(name);
  if (kind) {
    w.Key("kind");
    w.String(kind);
  }
  w.Key("metadata");
  w.StartObject();
  w.EndObject();
  w.Key("source_range");
  w.Null();
  empty_item_lists(w);
  w.Key("children");
  w.StartArray();
}

void close_composition(Writer& w) {
  w.EndArray();
  w.EndObject();
}

void track(Writer& w, const Sequence& seq, bool audio) {
  open_composition(w, "Track.1", audio ? "A1" : "V1", audio ? "Audio" : "Video");
  for (const auto& e : seq.events) {
    if (audio ? e.media.has_audio : e.media.has_video)
      clip(w, e, seq.rate);
    else
      gap(w, e.length, seq.rate);
  }
  close_composition(w);
}

} // namespace

std::string to_otio(const Sequence& seq) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.SetIndent(' ', 2);
  w.StartObject();
  schema(w, "Timeline.1");
  w.Key("name");
  str(w, seq.name);
  string_map(w, "shotchain",
             {{"width", std::to_string(seq.width)},
              {"height", std::to_string(seq.height)},
              {"rate", std::to_string(seq.rate.num) + "/" + std::to_string(seq.rate.den)},
              {"timecode", timecode(seq.start(), seq.rate)}});
  w.Key("global_start_time");
  rational_time(w, seq.start(), seq.rate);
  w.Key("tracks");
  open_composition(w, "Stack.1", "tracks", nullptr);
  track(w, seq, false);
  if (seq.has_audio) track(w, seq, true);
  close_composition(w);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

} // namespace shotchain::timeline
