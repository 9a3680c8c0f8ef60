#pragma once
// Scene (shot) detection: one streaming pass over the footage at a reduced size, collecting a
// few numbers per frame, then the cuts found in those numbers. Memory: the pictures of the
// last kLookback frames plus ~40 bytes per frame.
//
// Detectors (`--detector`):
//  - content: a cut where the frame-to-frame content change (hue, saturation, luma, edges;
//    0..255) reaches `threshold`;
//  - adaptive (default): a cut where that change is `threshold` times the mean change of the
//    `window` frames on each side (and at least `min_content`), so steady fast motion is not
//    a cut;
//  - threshold: fades through black (mean luma below `threshold`), a cut in the middle of
//    each dark run.
// content and adaptive also find gradual transitions (dissolves, fades) from the change of
// the colour histogram over `kGradualLag` frames (one cut in the transition's middle), and
// drop flashes: a change whose picture before comes back within `kFlashFrames` frames.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "codecs/types.h"
#include "common/time_spec.h"
#include "stages/scenes/features.h"
#include "stages/stage.h"

namespace shotchain::scenes {

enum class DetectorKind { content, adaptive, threshold };
std::optional<DetectorKind> parse_detector(const std::string& text);
const char* to_string(DetectorKind kind);

inline constexpr int kFlashFrames = 5; // a picture coming back within this is a flash
inline constexpr int kGradualLag = 16; // frames between the pictures whose histograms compare
inline constexpr int kLookback = kGradualLag + 1;

// Minimum scene length: frames, or a TIME (resolved at the source's rate).
struct MinSceneLength {
  int64_t frames = -1;          // >= 0 when given in frames
  std::optional<TimeSpec> time; // else this
  int64_t resolve(codecs::Rational rate) const;
};
// "12" (frames) or any TIME ("0.25", "00:00:00:06"); nullopt when neither.
std::optional<MinSceneLength> parse_min_scene_length(const std::string& text);

struct DetectOptions {
  DetectorKind detector = DetectorKind::adaptive;
  double threshold = -1;   // -1: the detector's default (below)
  double min_content = 12; // adaptive: the least change that can be a cut
  int window = 4;          // adaptive: frames on each side
  MinSceneLength min_scene_length = {-1, TimeSpec{250000, -1, "0.25"}};
  double gradual_threshold = 0.30; // histogram change over kGradualLag frames (0..1)
  ContentWeights weights;
  int analysis_width = 160;
  std::function<void(int64_t frames, int64_t expected)> progress; // every ~10 frames
  const CancelToken* cancel = nullptr;
};
double default_threshold(DetectorKind kind);

// What the pass collects per frame i (index 0 has no predecessor: zeros).
struct FrameSignals {
  // change[k-1][i]: content distance between frame i and frame i-k, k = 1..kFlashFrames+1.
  std::vector<std::vector<float>> change;
  std::vector<float> gradual; // histogram distance between frame i and i-kGradualLag
  // How far frame i-kGradualLag/2 is from the average of frames i-kGradualLag and i, relative
  // to how far those two are apart (luma): ~0 inside a dissolve or fade (a blend is linear
  // in time), >= 0.5 across a cut or in motion; 1 when the two barely differ.
  std::vector<float> blend;
  std::vector<float> mean_luma; // 0..255
  int64_t frames() const { return static_cast<int64_t>(mean_luma.size()); }
};

enum class CutKind { hard, gradual, fade };
struct Cut {
  int64_t frame = 0; // first frame of the new scene
  double score = 0;  // content change (hard), histogram change x 255 (gradual), luma (fade)
  CutKind kind = CutKind::hard;
};
const char* to_string(CutKind kind);

// The cuts in `signals` (sorted, at least the minimum scene length apart).
std::vector<Cut> find_cuts(const FrameSignals& signals, const DetectOptions& options,
                           codecs::Rational rate);

struct Scene {
  int64_t start = 0; // first frame
  int64_t end = 0;   // one past the last frame
  double start_seconds = 0, end_seconds = 0;
  double score = 0; // of the cut that starts it (0 for the first scene)
  CutKind cut = CutKind::hard;
};

struct SceneList {
  std::filesystem::path source;
  codecs::Rational rate{25, 1};
  int64_t frames = 0;
  int width = 0, height = 0;
  std::string start_timecode; // the source's, "" when none
  int64_t start_timecode_frame = 0;
  DetectorKind detector = DetectorKind::adaptive;
  std::vector<Scene> scenes;
};

// Frame signals of `source` (one decode pass).
FrameSignals measure(const std::filesystem::path& source, const DetectOptions& options,
                     codecs::AnalysisSource* info = nullptr);

// measure() + find_cuts() into scenes. Throws Error(bad_input) naming the file for bad input,
// Error(interrupted) when cancelled.
SceneList detect_scenes(const std::filesystem::path& source, const DetectOptions& options);

} // namespace shotchain::scenes
