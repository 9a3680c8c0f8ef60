#pragma once
// One reference still per scene, through the frame extraction `shotchain frame` uses (the
// same pictures as `frame SRC --frame N`, upright and colour-correct), and a contact sheet of
// the scenes through stitch's contact sheet writer.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "stages/scenes/detect.h"

namespace shotchain::scenes {

// middle: the scene's middle frame; best: the sharpest frame of its middle third (the
// measure of `frame --best-near`); first / last: its first / last frame.
enum class Pick { middle, best, first, last };
std::optional<Pick> parse_pick(const std::string& text);

// The display index of the frame `pick` chooses in scene `index` of `list`.
int64_t pick_frame(const SceneList& list, size_t index, Pick pick);

struct Reference {
  int scene = 0; // 1-based
  int64_t frame = 0;
  double seconds = 0;
  std::filesystem::path file; // empty when only picked, not written
};

// The picked frame of every scene (no pictures written).
std::vector<Reference> pick_references(const SceneList& list, Pick pick,
                                       const CancelToken* cancel = nullptr);

struct ReferenceOptions {
  std::filesystem::path dir; // created when missing (its parent must exist)
  Pick pick = Pick::middle;
  std::string format = "png"; // png | jpg
  int jpeg_quality = 90;
  std::filesystem::path contact_sheet; // "" for none; .png
  std::function<void(size_t done, size_t total)> progress;
  const CancelToken* cancel = nullptr;
};

// Writes DIR/scene-001.png ... (each atomically) and the contact sheet: one row per scene
// (first, reference, last frame), labelled "#k HH:MM:SS:FF".
std::vector<Reference> write_references(const SceneList& list, const ReferenceOptions& options);

// Checks ReferenceOptions before any decoding: Error(bad_input) naming the path.
void check_reference_options(const ReferenceOptions& options);

} // namespace shotchain::scenes
