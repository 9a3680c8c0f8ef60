#include "pipeline/adopt.h"

#include <cstdlib>

#include "common/error.h"
#include "common/scrub.h"
#include "pipeline/journal.h"

namespace shotchain::pipeline {

AdoptTarget parse_adopt_target(const JobSpec& job, const std::string& text) {
  AdoptTarget t;
  auto slash = text.rfind('/');
  t.shot_id = slash == std::string::npos ? text : text.substr(0, slash);
  const ShotSpec* shot = nullptr;
  for (const auto& s : job.shots)
    if (s.id == t.shot_id) shot = &s;
  if (!shot) throw Error(Failure::bad_input, "adopt: no shot \"" + scrub(t.shot_id, 80) + "\"");
  if (slash != std::string::npos) {
    std::string n = text.substr(slash + 1);
    char* end = nullptr;
    long v = std::strtol(n.c_str(), &end, 10);
    if (n.empty() || !end || *end != '\0' || v < 1 || v > shot->segments)
      throw Error(Failure::bad_input, "adopt: shot \"" + t.shot_id + "\" has segments 1.." +
                                          std::to_string(shot->segments) + ", not '" +
                                          scrub(n, 20) + "'");
    t.segment = static_cast<int>(v - 1);
  } else if (shot->segments > 1) {
    throw Error(Failure::bad_input, "adopt: shot \"" + t.shot_id + "\" has " +
                                        std::to_string(shot->segments) + " segments: name one (" +
                                        t.shot_id + "/N)");
  }
  return t;
}

void adopt_prediction(const std::filesystem::path& state_dir, const AdoptTarget& target,
                      const std::string& id) {
  if (id.empty() || id.size() > 200 || id.find_first_of("/?#% \r\n\t") != std::string::npos)
    throw Error(Failure::bad_input, "adopt: '" + scrub(id, 80) + "' is not a prediction id");
  std::error_code ec;
  if (!std::filesystem::is_directory(state_dir, ec))
    throw Error(Failure::bad_input, "adopt: " + state_dir.string() + ": no journal there");
  Journal journal(state_dir);
  auto rec = journal.load(target.shot_id);
  std::string who =
      "adopt: shot \"" + target.shot_id + "\" segment " + std::to_string(target.segment + 1);
  if (!rec || static_cast<int>(rec->segments.size()) <= target.segment)
    throw Error(Failure::bad_input, who + ": nothing journalled (no submit to attach a job to)");
  SegmentRecord& seg = rec->segments[static_cast<std::size_t>(target.segment)];
  if (seg.prediction_id == id) return; // already attached
  if (!seg.prediction_id.empty())
    throw Error(Failure::bad_input, who + ": already has prediction " + seg.prediction_id);
  if (seg.status != SegmentRecord::Status::intent || seg.fingerprint.empty())
    throw Error(Failure::bad_input, who + ": no unconfirmed submit in the journal (status " +
                                        to_string(seg.status) + ")");
  seg.prediction_id = id;
  seg.output_url.clear();
  seg.status = SegmentRecord::Status::submitted;
  journal.save(*rec);
}

} // namespace shotchain::pipeline
