#include "stages/stage.h"

#include <thread>

namespace shotchain {

const char* to_string(ProgressEvent::Kind kind) noexcept {
  switch (kind) {
    case ProgressEvent::Kind::started:
      return "started";
    case ProgressEvent::Kind::progress:
      return "progress";
    case ProgressEvent::Kind::finished:
      return "finished";
    case ProgressEvent::Kind::skipped:
      return "skipped";
    case ProgressEvent::Kind::failed:
      return "failed";
    case ProgressEvent::Kind::log:
      return "log";
  }
  return "progress";
}

bool CancelToken::sleep_for(std::chrono::milliseconds d) const {
  auto end = std::chrono::steady_clock::now() + d;
  while (!requested()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= end) return true;
    auto step =
        std::min<std::chrono::steady_clock::duration>(end - now, std::chrono::milliseconds(20));
    std::this_thread::sleep_for(step);
  }
  return false;
}

void StageContext::report(ProgressEvent::Kind kind, const std::string& stage, std::string message,
                          double fraction, std::string service_state) const {
  if (!sink) return;
  ProgressEvent e;
  e.kind = kind;
  e.shot_id = shot_id;
  e.stage = stage;
  e.segment = segment;
  e.segments = segments;
  e.fraction = fraction;
  e.service_state = std::move(service_state);
  e.message = std::move(message);
  sink->on_event(e);
}

} // namespace shotchain
