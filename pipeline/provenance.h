#pragma once
// Provenance of a run's shots (internal to pipeline/): the fields carried into the timelines
// and QC report, the per-shot record (provenance/<id>.json), and the summary written into the
// sequence's metadata.
#include <filesystem>
#include <map>
#include <string>

#include "pipeline/run_context.h"

namespace shotchain::pipeline {

// Call with rc.mutex not held; reads rc.shots of a finished shot.
std::map<std::string, std::string> provenance_fields(RunContext& rc, const ShotSpec& s);
std::string provenance_json(RunContext& rc, const ShotSpec& s, const std::filesystem::path& clip,
                            long long frames);
// JSON array of every shot's id, model, prompt, reference and prediction ids.
std::string provenance_summary(RunContext& rc);

} // namespace shotchain::pipeline
