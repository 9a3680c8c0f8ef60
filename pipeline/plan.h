#pragma once
// The plan (public header): what a job will generate and cost, computed before anything is
// spent. `shotchain run --dry-run` prints it and stops.
#include <optional>
#include <string>
#include <vector>

#include "pipeline/job_spec.h"

namespace shotchain::pipeline {

inline constexpr int kServiceFps = 25;

// USD per generation of `model` at `duration` seconds, when the price is on record.
// Table: minimax/hailuo-02/standard 6 s 0.23, 10 s 0.56 (API.md). Others: unknown.
std::optional<double> price_per_generation(const std::string& model, int duration);

struct ShotPlan {
  std::string id;
  std::string model;
  std::string reference;  // ReferenceSpec::describe()
  std::string depends_on; // shot id whose last frame starts this one ("" when none)
  int segments = 1;
  int duration = 6;             // seconds per segment
  int frames_per_segment = 150; // duration * 25
  int frames = 0;               // segments*frames_per_segment - (segments-1): joins deduped
  std::optional<double> price;  // segments * price_per_generation (nullopt: unknown)
  bool joins_previous = false;  // starts from the previous shot's last frame: join deduped
};

struct Plan {
  std::vector<ShotPlan> shots;
  int generations = 0;         // paid generation calls (== sum of segments)
  long long frames = 0;        // expected frames of the sequence at 25 fps, chained joins deduped
  double seconds = 0;          // frames / 25
  std::optional<double> price; // total USD (nullopt when some model has no price on record)
  double known_price = 0;      // the part that is known
  std::vector<std::string> unpriced_models;
  std::string price_source = "the built-in table"; // or "the service's catalogue"
};

Plan make_plan(const JobSpec& job);
// The shots whose prompt is still the placeholder `shotchain storyboard` writes.
std::vector<std::string> placeholder_prompt_shots(const JobSpec& job);
// Throws Error(bad_input) naming the first such shot: nothing is spent on a placeholder.
void check_no_placeholder_prompts(const JobSpec& job);
// Human-readable table; `backend` is "preview" or "atlas" (preview: nothing is spent).
std::string format_plan(const Plan& plan, const std::string& backend);
// One JSON object.
std::string plan_json(const Plan& plan, const std::string& backend);

} // namespace shotchain::pipeline
