#pragma once
// A job spec (the format `shotchain run` reads) from a cut: one shot per scene, in order,
// ids scene-001 ..., reference = that scene's picked frame as {"video": SRC, "at": TIME},
// enough segments of the default duration to cover the scene, prompts from a file or a
// placeholder that `run` refuses to spend on until it is replaced.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "stages/scenes/detect.h"
#include "stages/scenes/references.h"

namespace shotchain::scenes {

// Every placeholder prompt starts with this; pipeline/plan refuses to spend on such a shot.
inline constexpr std::string_view kPlaceholderPrompt = "PLACEHOLDER:";
inline bool is_placeholder_prompt(std::string_view prompt) {
  return prompt.substr(0, kPlaceholderPrompt.size()) == kPlaceholderPrompt;
}

// Prompts by scene (index 0 = scene 1; "" = none given). The file holds one prompt per line
// (empty lines and lines starting with '#' skipped), or JSON: an array of strings, or an
// object {"1": "...", "2": "..."} by scene number. Throws Error(bad_input) naming the file.
std::vector<std::string> read_prompts(const std::filesystem::path& file, size_t scenes);

// "HH:MM:SS.ffffff" (microseconds rounded down): with `at` (the first frame shown at or after
// the time, as ffmpeg -ss) it names exactly frame `frame` of a constant-rate source.
std::string frame_time(int64_t frame, codecs::Rational rate);

struct StoryboardOptions {
  int segment_seconds = 6; // the model's segment length (the spec's default duration)
};

// The job spec text. `spec_dir` is the folder the spec is written to (the video path is
// written relative to it when it can be).
std::string storyboard_json(const SceneList& list, const std::vector<Reference>& references,
                            const std::vector<std::string>& prompts,
                            const std::filesystem::path& spec_dir,
                            const StoryboardOptions& options = {});

} // namespace shotchain::scenes
