#pragma once
// The offline preview backend (public header): generates a segment locally from its reference
// image as a slow zoom and pan, in exactly the service's output format: H.264 MP4, 25 fps,
// 768 lines high keeping the reference's aspect (1366x768 for 16:9; even width), 150 frames
// (6 s) or 250 frames (10 s), first frame = the reference. The direction of the move follows
// from the prompt, so a changed prompt changes the clip (as it would on the service).
#include <filesystem>
#include <string>

#include "stages/stage.h"

namespace shotchain::preview {

inline constexpr int kServiceHeight = 768;

struct PreviewOptions {
  // Output height (the service's is 768). Only tests use smaller ones, to stay quick; see
  // options_from_environment().
  int height = kServiceHeight;
  std::string preset = "veryfast"; // x264 preset
  int crf = 18;
};

// PreviewOptions with SHOTCHAIN_PREVIEW_HEIGHT applied when set (test-only: an even number
// 64..768). Throws Error(bad_input) on a bad value.
PreviewOptions options_from_environment();

// The service's output size for a reference of `width` x `height`: `out_height` lines high,
// width keeping the aspect ratio, rounded to an even number.
struct OutputSize {
  int width = 0;
  int height = 0;
};
OutputSize output_size(int width, int height, int out_height = kServiceHeight);

// Checks a reference (or end) image as the service would: JPG/JPEG/PNG, aspect ratio strictly
// between 2:5 and 5:2, short side over 300 px (`min_short_side`), at most 20 MB. Throws
// Error(bad_input) naming `what` (e.g. `shot "harbor": reference image x.png`) and the reason.
void check_service_image(const std::filesystem::path& image, const std::string& what,
                         int min_short_side = 301);

// One preview clip.
struct PreviewInput {
  std::filesystem::path reference; // any still image format codecs can read
  std::filesystem::path output;    // .mp4, written under a temporary name then renamed
  int frames = 150;
  std::string seed; // decides the direction of the move (the prompt)
};
struct PreviewOutput {
  std::filesystem::path file;
  int frames = 0;
  int width = 0, height = 0;
};

class PreviewGenerator final : public Stage<PreviewInput, PreviewOutput> {
 public:
  explicit PreviewGenerator(PreviewOptions options = {}) : options_(std::move(options)) {}
  std::string name() const override { return "preview"; }
  PreviewOutput run(const PreviewInput& input, StageContext& context) override;

 private:
  PreviewOptions options_;
};

// The generation backend built on PreviewGenerator: never paid, needs no network.
class PreviewBackend final : public GenerationBackend {
 public:
  explicit PreviewBackend(PreviewOptions options = {})
      : options_(options), generator_(std::move(options)) {}
  std::string name() const override { return "preview"; }
  bool paid() const override { return false; }
  void preflight(const GenerationRequest& request) override;
  GenerationResult generate(const GenerationRequest& request, const GenerationResume& resume,
                            const GenerationHooks& hooks, StageContext& context) override;

 private:
  PreviewOptions options_;
  PreviewGenerator generator_;
};

} // namespace shotchain::preview
