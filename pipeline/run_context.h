#pragma once
// What the parts of a run share (internal to pipeline/): the job, the options, the journal,
// the report being filled, and each shot's state behind one mutex. The parts: preflight.cpp
// (local checks before anything is spent), shot_segments.cpp (one shot's segments: generate,
// verify, chain), scheduler.cpp (generation workers and the media pool, side by side),
// pieces.cpp (each segment encoded once, in the decode that verifies it), assembly.cpp (shot
// clips and the sequence copied),
// provenance.cpp (the provenance records) and state_folder.cpp (the lock, stamps and records
// of what was made).
#include <condition_variable>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/journal.h"
#include "pipeline/media_slots.h"
#include "pipeline/runner.h"
#include "stages/stitch/stitch.h"

namespace shotchain::pipeline {

std::string quoted_shot(const std::string& id); // shot "ID"

// Where a shot's first reference comes from, resolved to an image file.
struct Reference {
  std::filesystem::path file;
  std::string hash;
  std::string time; // the source time (video references), for provenance
};

// A generated segment encoded once into the delivery codec (state folder).
struct Piece {
  bool done = false;
  std::filesystem::path file;
  long long frames = 0;
  std::optional<stitch::JoinReport> lead_join; // with the picture before it in the sequence
};

struct ShotState {
  enum class Status { pending, running, done, failed };
  Status status = Status::pending;
  ShotRecord record;                // as the generation last published it
  int segments_ready = 0;           // segments verified, in order (record.segments[0..n) are done)
  Reference first_reference;        // image/video references: resolved in pre-flight
  std::filesystem::path last_frame; // done: the shot's last frame (reference for dependents)
  std::string last_frame_hash;
  std::exception_ptr error;
  // Assembly.
  std::vector<Piece> pieces;
  bool media_busy = false;    // a media worker is encoding a piece or copying the clip
  bool clip_done = false;     // the shot clip is written
  std::filesystem::path clip; // the shot clip
  long long clip_frames = 0;
};

struct RunContext {
  RunContext(const JobSpec& j, const RunOptions& o, RunReport& r);
  const JobSpec& job;
  const RunOptions& opt;
  RunReport& report;
  NullProgressSink null_sink;
  CancelToken never;
  ProgressSink* sink = nullptr;
  const CancelToken* cancel = nullptr;
  std::unique_ptr<Journal> journal;
  // Assembly settings, fixed for the run.
  stitch::Codec codec = stitch::Codec::prores_hq;
  std::string ext;                 // ".mov" / ".mp4"
  std::filesystem::path lead_last; // lead clips' last frame (image), "" without lead clips
  std::string lead_last_hash;
  int media_workers = 1;                   // encodes at once ...
  int encoder_threads = 0;                 // ... each with this many threads (0: automatic)
  std::unique_ptr<MediaSlots> media_slots; // media_workers slots: every decode/encode takes one

  std::mutex mutex;
  std::condition_variable cv;
  std::map<std::string, ShotState> shots;
  std::exception_ptr media_error;   // the first assembly failure
  bool generation_over = false;     // every generation worker has returned
  std::optional<stitch::Size> size; // the sequence's picture size, once known
  std::vector<Piece> lead_pieces;   // the lead clips encoded once (state folder)
  std::vector<bool> lead_busy;

  void event(ProgressEvent::Kind kind, const std::string& shot, const std::string& stage,
             const std::string& message, int segment = -1, int segments = -1) const;
  // Where a shot's clip goes (the output folder, or its state folder for sequence_only).
  std::filesystem::path shot_clip_path(const std::string& id) const;
};

// preflight.cpp
GenerationRequest request_for(const ShotSpec& s, int segment);
void preflight(RunContext& rc,
               const std::function<std::filesystem::path(const std::string&)>& folder_for);

// shot_segments.cpp: generates (or resumes, or reuses) a shot's segments in order,
// publishing each verified segment to the assembly.
void run_shot(RunContext& rc, const ShotSpec& s);

// scheduler.cpp: generation workers and media workers side by side, until every shot clip
// is made (or a shot failed / the run was cancelled: then throws).
void generate_and_assemble_shots(RunContext& rc);

// pieces.cpp (more in pieces.h)
struct Lead;
// Encodes piece `k` of `shot` (the segment's single encode) unless verification made it
// already. Called without the lock.
Piece encode_piece(RunContext& rc, const ShotSpec& shot, const SegmentRecord& seg,
                   const Lead& lead);
// Lead clip `index` (extend's source) encoded once, so the sequence can be a copy. Called
// without the lock.
Piece encode_lead_piece(RunContext& rc, std::size_t index);

// assembly.cpp
// The shot clip: a stream copy of its pieces. Called without the lock.
void copy_shot_clip(RunContext& rc, const ShotSpec& shot);
// Host stages, provenance, the sequence (a stream copy of the shot clips).
void assemble_sequence(RunContext& rc);

} // namespace shotchain::pipeline
