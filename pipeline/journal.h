#pragma once
// The crash-safe journal (public header): one JSON record per shot in the state folder, each
// write atomic (temporary file, fsync, rename, fsync of the folder), so that kill -9 at any
// moment leaves either the old or the new record, never a torn one.
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/atomic_file.h"

namespace shotchain::pipeline {

// What is known about one generated segment. A step's field is set once that step happened.
struct SegmentRecord {
  enum class Status { pending, intent, submitted, completed, done };
  int index = 0;
  Status status = Status::pending;
  std::string fingerprint;    // hash of everything that defines the segment (prompt, model,
                              // duration, reference hash, ...): a change means regenerate
  std::string reference_hash; // sha256 of the reference image file
  std::string reference_file; // the reference image (state folder)
  std::string upload_url;
  std::string intent_time;   // ISO 8601 UTC, recorded before the billable submit
  std::string prediction_id; // recorded as soon as the service answers
  std::string output_url;
  std::string local_file; // the verified clip (state folder)
  std::string checksum;   // sha256 of local_file
  int frames = 0;
  // The clip as delivered (measured when verified): a paid clip is kept whatever its rate,
  // frame count or size, and how it differs from what was asked is recorded here (assembly
  // conforms it). 0 / "" in journals written before these were recorded.
  double fps = 0;
  int width = 0;
  int height = 0;
  std::string difference;      // "" when it is as asked (see stages::clip_difference)
  std::string last_frame_file; // the clip's last decoded frame, lossless PNG
  std::string last_frame_hash;
  std::vector<std::string> superseded_predictions; // paid ids made obsolete by a spec change
};

struct ShotRecord {
  std::string id;
  std::string fingerprint; // of the shot's spec (not of its reference's pixels)
  std::vector<SegmentRecord> segments;
  std::string clip_file; // the assembled shot clip (state folder), when done
  std::string clip_checksum;
};

const char* to_string(SegmentRecord::Status s);

class Journal {
 public:
  // Creates the state folder (and its parents) when missing.
  explicit Journal(std::filesystem::path state_dir);
  const std::filesystem::path& dir() const { return dir_; }
  // A shot's own scratch folder inside the state folder (created).
  std::filesystem::path shot_dir(const std::string& shot_id) const;
  std::filesystem::path record_path(const std::string& shot_id) const;
  // The shot's record, or nullopt when none was written. A record that cannot be parsed is
  // an error (Failure::runtime): a journal is never silently ignored, it may hold paid ids.
  std::optional<ShotRecord> load(const std::string& shot_id) const;
  void save(const ShotRecord& record);

  static std::string to_json(const ShotRecord& record);
  static ShotRecord from_json(const std::string& text, const std::string& name);

 private:
  std::filesystem::path dir_;
  mutable std::mutex mutex_;
};

// Now, as ISO 8601 UTC with milliseconds ("2026-11-27T15:04:05.123Z").
std::string iso_time_now();

} // namespace shotchain::pipeline
