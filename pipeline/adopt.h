#pragma once
// `shotchain adopt`: attaches a prediction id to a segment whose submit could not be confirmed
// (the journal holds its intent, no id). The next `shotchain run` awaits, downloads and
// verifies it like any other journalled job, and never submits that segment again.
#include <filesystem>
#include <string>

#include "pipeline/job_spec.h"

namespace shotchain::pipeline {

struct AdoptTarget {
  std::string shot_id;
  int segment = 0; // 0-based
};

// "SHOT" or "SHOT/N" (N 1-based). Throws bad_input naming the text.
AdoptTarget parse_adopt_target(const JobSpec& job, const std::string& text);

// Writes the id into the journal in `state_dir`. Throws bad_input when the segment has no
// journalled intent (nothing to adopt), already has another id, or the id is not an id.
void adopt_prediction(const std::filesystem::path& state_dir, const AdoptTarget& target,
                      const std::string& prediction_id);

} // namespace shotchain::pipeline
