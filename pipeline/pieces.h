#pragma once
// Pieces: each generated segment encoded once into the delivery codec (state folder), and
// the settings every assembly step shares (internal to pipeline/).
#include <filesystem>
#include <string>

#include "pipeline/run_context.h"

namespace shotchain::pipeline {

// The sequence's picture size: the spec's, else the first clip's (a lead clip, or the first
// shot's first segment, verified before any piece is encoded). Called without the lock.
stitch::Size sequence_size(RunContext& rc);
// The options every assembly step starts from (size given: no lookup).
stitch::Options base_options(RunContext& rc, const std::filesystem::path& out,
                             const stitch::Size& size);
stitch::Options base_options(RunContext& rc, const std::filesystem::path& out);
// The encoder settings as text, part of every fingerprint.
std::string settings_text(const RunContext& rc, const stitch::Size& size);

// The picture a segment's first frame may duplicate, measured at its join: the one it was
// generated from, when that is the picture just before it in the sequence (the segment before
// it in its shot; for a shot's first segment, the previous shot's last frame when the shot
// starts from it, or the lead clips' last frame). Empty otherwise. Called with the lock held.
struct Lead {
  std::filesystem::path file;
  std::string hash;
};
Lead lead_for(RunContext& rc, const ShotSpec& shot, int k);

// Verifies segment `k` of `shot` (the just-downloaded `file`) in the decode that encodes its
// piece, so each generated frame is decoded once: counts and times its pictures, saves the
// last to `last_png`, and writes the piece. Same contract as stages::verify_clip. A piece that
// cannot be written (a full disk) is left to the media pool: the clip is then verified alone.
ClipCheck verify_by_encoding(RunContext& rc, const ShotSpec& shot, int k,
                             const std::filesystem::path& file, int expected_frames,
                             const std::string& shown, const std::filesystem::path& last_png);

} // namespace shotchain::pipeline
