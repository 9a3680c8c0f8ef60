#pragma once
// The job spec of `shotchain run` (public header): a storyboard of shots, parsed and checked.
// Every field, default and limit is documented in docs/readme/pipeline.md. Errors throw
// shotchain::Error(Failure::bad_input) with "FILE:LINE:COL: shot "ID": field: reason".
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace shotchain::pipeline {

inline constexpr const char* kDefaultModel = "minimax/hailuo-02/standard";
inline constexpr int kMaxSegments = 20;
inline constexpr int kMaxShots = 200;
inline constexpr std::size_t kMaxPromptChars = 2000;

// Where a shot's first reference frame comes from.
struct ReferenceSpec {
  enum class Kind { image, video, shot };
  // How to pick the frame of a video (or of another shot: always `last`).
  enum class Pick { none, at, frame, first, last, best_near };
  Kind kind = Kind::image;
  std::filesystem::path path; // image or video file (resolved against the job file's folder)
  std::string shot;           // Kind::shot: the id of the shot whose last frame is used
  Pick pick = Pick::none;
  std::string time;     // Pick::at / best_near: as written ("12.5", "00:00:03.200", "00:00:03:05")
  long long frame = -1; // Pick::frame: 0-based frame index
  double window = 1.0;  // Pick::best_near: seconds searched, centred on `time`
  // A canonical one-line text of this reference (used in fingerprints and provenance).
  std::string describe() const;
};

struct ShotSpec {
  std::string id;
  ReferenceSpec reference;
  std::string prompt;
  int segments = 1;
  int duration = 6; // seconds per generated segment: 6 or 10
  bool prompt_expansion = false;
  std::string model;                              // the job's model unless overridden
  std::optional<std::filesystem::path> end_image; // only for one-segment shots
  int line = 0, column = 0;                       // where the shot's object starts in the file
};

struct OutputSpec {
  std::filesystem::path path;      // the sequence file (resolved); its folder holds all outputs
  std::string codec = "prores_hq"; // prores_hq | prores | prores_4444 | h264
  int fps = 25;                    // 1..120
  int width = 0, height = 0;       // 0: the generated clips' size
  std::vector<std::string> timelines{"otio", "fcpxml", "edl"};
  bool qc = true;
  bool contact_sheet = true;
};

struct JobSpec {
  std::filesystem::path file;     // the spec file ("" when parsed from text)
  std::filesystem::path base_dir; // relative paths in the spec are resolved against this
  std::string model = kDefaultModel;
  OutputSpec output;
  std::vector<ShotSpec> shots; // in sequence order

  const ShotSpec* find(const std::string& id) const;
  // Shot ids in an order where every shot comes after the shot it takes its reference from.
  std::vector<std::string> dependency_order() const;
};

// Parses and checks a spec. `name` is used in error messages (usually the file name).
JobSpec parse_job_spec(const std::string& text, const std::string& name,
                       const std::filesystem::path& base_dir);
JobSpec load_job_spec(const std::filesystem::path& file);

} // namespace shotchain::pipeline
