#pragma once
// The state folder of a run (internal to pipeline/): its lock, the sweeping of what a killed
// run left half-written, and the records that say an output was made already from the same
// inputs with the same settings (so that a run again makes nothing twice).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "stages/stitch/stitch.h"

namespace shotchain::pipeline {

// An exclusive lock on the state folder for the whole run (released by the kernel if the
// process dies): two runs of one job never write the same journal.
class StateLock {
 public:
  explicit StateLock(const std::filesystem::path& dir);
  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  int fd_ = -1;
};

// A private folder under the system's temporary folder, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::filesystem::path make(const std::string& name) const;

 private:
  std::filesystem::path dir_;
};

// Temporaries of writers killed mid-write (".NAME.part-PID-N", codecs/output_file.h).
void remove_stale_parts(const std::filesystem::path& dir);
// Journal temporaries of a killed run ("X.json.tmp-PID-N"); the records themselves are whole.
void sweep_journal_temporaries(const std::filesystem::path& dir);

// "size:mtime" of a file, "" when missing: enough to notice that an output was touched.
std::string file_stamp(const std::filesystem::path& p);
// "fingerprint|stamp|frames" of a file just made; stamped_frames reads it back: the frames
// when `recorded` matches `fp` and the file is untouched, else -1.
std::string stamp(const std::string& fp, const std::filesystem::path& file, long long frames);
long long stamped_frames(const std::string& recorded, const std::string& fp,
                         const std::filesystem::path& file);

// The sequence's record: its fingerprint, frames and every file written with their stamps.
void write_assembly_record(const std::filesystem::path& record, const std::string& fp,
                           long long frames, const std::vector<std::filesystem::path>& files);
// The frames of the last assembly when it had fingerprint `fp` and all its files are
// untouched (their paths appended to `files`), else -1.
long long assembly_unchanged(const std::filesystem::path& record, const std::string& fp,
                             std::vector<std::filesystem::path>& files);

// A segment encoded once (a "piece"): its record beside it, "<piece>.json".
struct PieceRecord {
  std::string stamp; // stamp(fingerprint, piece, frames)
  std::optional<stitch::JoinReport> lead_join;
};
void write_piece_record(const std::filesystem::path& piece, const PieceRecord& record);
std::optional<PieceRecord> read_piece_record(const std::filesystem::path& piece);

} // namespace shotchain::pipeline
