#include "pipeline/progress_sinks.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

namespace shotchain::pipeline {
namespace {
double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
} // namespace

std::string event_json(const ProgressEvent& e, double elapsed) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("event");
  w.String(to_string(e.kind));
  w.Key("t");
  w.Double(std::round(elapsed * 1000) / 1000);
  if (!e.shot_id.empty()) {
    w.Key("shot");
    w.String(e.shot_id.c_str());
  }
  w.Key("stage");
  w.String(e.stage.c_str());
  if (e.segment >= 0) {
    w.Key("segment");
    w.Int(e.segment + 1);
    w.Key("segments");
    w.Int(e.segments);
  }
  if (e.fraction >= 0) {
    w.Key("fraction");
    w.Double(std::round(e.fraction * 1000) / 1000);
  }
  if (!e.service_state.empty()) {
    w.Key("state");
    w.String(e.service_state.c_str());
  }
  if (!e.message.empty()) {
    w.Key("message");
    w.String(e.message.c_str());
  }
  w.EndObject();
  return sb.GetString();
}

void JsonLinesSink::on_event(const ProgressEvent& e) {
  std::string line = event_json(e, since(start_)) + "\n";
  std::lock_guard lock(mutex_);
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
}

void LogLineSink::on_event(const ProgressEvent& e) {
  std::lock_guard lock(mutex_);
  if (verbosity_ <= 0 && e.kind != ProgressEvent::Kind::failed) return;
  if (e.kind == ProgressEvent::Kind::progress) {
    // Only a change of the service's state (or a verbose run) is worth a line.
    if (verbosity_ < 2 && (e.service_state.empty() || last_state_[e.shot_id] == e.service_state))
      return;
    last_state_[e.shot_id] = e.service_state;
  }
  std::string who = e.shot_id.empty() ? "job" : e.shot_id;
  if (e.segment >= 0) who += " " + std::to_string(e.segment + 1) + "/" + std::to_string(e.segments);
  std::string text = e.kind == ProgressEvent::Kind::log
                         ? who + ":"
                         : who + " " + e.stage + ": " + to_string(e.kind);
  if (!e.service_state.empty()) text += " [" + e.service_state + "]";
  if (!e.message.empty()) text += " " + e.message;
  std::fprintf(out_, "[%7.1fs] %s\n", since(start_), text.c_str());
  std::fflush(out_);
}

namespace {

// Stages of the generation side; every other stage (encode, assemble, host stages, shot) is
// assembly.
bool generation_stage(const std::string& stage) {
  for (const char* g :
       {"generate", "verify", "reference", "chain", "upload", "submit", "await", "download"})
    if (stage == g) return true;
  return false;
}

std::string k_of_n(const ProgressEvent& e) {
  return e.segment >= 0 ? " " + std::to_string(e.segment + 1) + "/" + std::to_string(e.segments)
                        : "";
}

bool ended(ProgressEvent::Kind k) {
  return k == ProgressEvent::Kind::finished || k == ProgressEvent::Kind::skipped;
}

// "generating 2/3", "generated 3/3", "reused 1/1", "reference finished".
std::string generation_text(const ProgressEvent& e) {
  if (e.stage == "generate" || e.stage == "verify") {
    if (e.kind == ProgressEvent::Kind::skipped) return "reused" + k_of_n(e);
    if (e.kind == ProgressEvent::Kind::finished) return "generated" + k_of_n(e);
    return "generating" + k_of_n(e);
  }
  return e.stage + " " + to_string(e.kind);
}

// "encoding 1/3", "encoded 3/3", "assembling", "assembled", "done".
std::string assembly_text(const ProgressEvent& e) {
  if (e.stage == "encode") return (ended(e.kind) ? "encoded" : "encoding") + k_of_n(e);
  if (e.stage == "assemble") return ended(e.kind) ? "assembled" : "assembling";
  if (e.stage == "shot" && ended(e.kind)) return "done";
  return e.stage + " " + to_string(e.kind);
}

} // namespace

void TerminalSink::on_event(const ProgressEvent& e) {
  std::lock_guard lock(mutex_);
  if (e.shot_id.empty() || e.kind == ProgressEvent::Kind::log ||
      e.kind == ProgressEvent::Kind::failed) {
    if (e.kind == ProgressEvent::Kind::progress) return;
    // Job-level lines and messages scroll above the live block.
    for (int i = 0; i < drawn_; ++i) std::fputs("\x1b[1F\x1b[2K", out_);
    drawn_ = 0;
    std::string who = e.shot_id.empty() ? "" : e.shot_id + ": ";
    std::fprintf(out_, "%s%s %s%s%s\n", who.c_str(), e.stage.c_str(), to_string(e.kind),
                 e.message.empty() ? "" : ": ", e.message.c_str());
    redraw(true);
    return;
  }
  if (!lines_.count(e.shot_id)) order_.push_back(e.shot_id);
  Line& l = lines_[e.shot_id];
  if (generation_stage(e.stage)) {
    std::string text = generation_text(e);
    if (text != l.gen) {
      l.since = std::chrono::steady_clock::now();
      l.fraction = -1;
      l.state.clear();
    }
    l.gen = text;
    if (e.fraction >= 0) l.fraction = e.fraction;
    if (!e.service_state.empty()) l.state = e.service_state;
  } else {
    l.media = assembly_text(e);
  }
  redraw(e.kind != ProgressEvent::Kind::progress);
}

void TerminalSink::redraw(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  for (int i = 0; i < drawn_; ++i) std::fputs("\x1b[1F", out_);
  for (const auto& id : order_) {
    const Line& l = lines_[id];
    char frac[16] = "";
    if (l.fraction >= 0) std::snprintf(frac, sizeof frac, " %3.0f%%", l.fraction * 100);
    std::fprintf(out_, "\x1b[2K  %-16s%-18s %6.1fs%s %-11s| %s\n", id.c_str(), l.gen.c_str(),
                 since(l.since), frac, l.state.c_str(), l.media.c_str());
  }
  drawn_ = static_cast<int>(order_.size());
  std::fflush(out_);
}

} // namespace shotchain::pipeline
