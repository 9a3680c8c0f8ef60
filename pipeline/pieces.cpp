// Pieces: each generated segment conformed and encoded once into the delivery codec (a
// "piece" in the state folder; a duplicated first frame, measured against the picture it was
// generated from, is dropped here). Normally the piece is made in the same decode that
// verifies the downloaded segment (verify_by_encoding); the media pool encodes the rest (a
// segment verified by an older run, a lead clip, a piece whose size turned out different).
#include "pipeline/pieces.h"

#include <algorithm>

#include "codecs/frame.h"
#include "codecs/image_file.h"
#include "common/sha256.h"
#include "pipeline/media_slots.h"
#include "pipeline/state_folder.h"
#include "stages/generate_verify.h"

namespace shotchain::pipeline {
namespace fs = std::filesystem;

stitch::Size sequence_size(RunContext& rc) {
  if (rc.job.output.width) return {rc.job.output.width, rc.job.output.height};
  std::unique_lock lock(rc.mutex);
  if (rc.size) return *rc.size;
  fs::path first = rc.opt.lead_clips.empty()
                       ? fs::path(rc.shots[rc.job.shots[0].id].record.segments.at(0).local_file)
                       : rc.opt.lead_clips[0];
  lock.unlock();
  stitch::Size size = stitch::default_size(first);
  lock.lock();
  rc.size = size;
  return size;
}

stitch::Options base_options(RunContext& rc, const fs::path& out, const stitch::Size& size) {
  stitch::Options so;
  so.output = out;
  so.codec = rc.codec;
  so.fps = {rc.job.output.fps, 1};
  so.size = size;
  so.dedupe_joins = true;
  so.cancel = rc.cancel;
  so.threads = rc.encoder_threads;
  return so;
}

stitch::Options base_options(RunContext& rc, const fs::path& out) {
  return base_options(rc, out, sequence_size(rc));
}

std::string settings_text(const RunContext& rc, const stitch::Size& size) {
  return rc.job.output.codec + "\n" + std::to_string(rc.job.output.fps) + "\n" +
         std::to_string(size.width) + "x" + std::to_string(size.height) + "\n";
}

Lead lead_for(RunContext& rc, const ShotSpec& shot, int k) {
  const ShotState& st = rc.shots[shot.id];
  if (k > 0) {
    const SegmentRecord& before = st.record.segments.at(static_cast<std::size_t>(k - 1));
    return {before.last_frame_file, before.last_frame_hash};
  }
  std::size_t i = 0;
  while (i < rc.job.shots.size() && rc.job.shots[i].id != shot.id) ++i;
  if (i == 0) return {rc.lead_last, rc.lead_last_hash};
  const ShotSpec& previous = rc.job.shots[i - 1];
  if (shot.reference.kind == ReferenceSpec::Kind::shot && shot.reference.shot == previous.id) {
    const ShotState& dep = rc.shots[previous.id];
    return {dep.last_frame, dep.last_frame_hash};
  }
  return {};
}

namespace {

fs::path piece_path(RunContext& rc, const ShotSpec& shot, int k) {
  return rc.journal->shot_dir(shot.id) / ("piece-" + std::to_string(k + 1) + rc.ext);
}

std::string piece_fingerprint(const RunContext& rc, const fs::path& out, const stitch::Size& size,
                              const std::string& checksum, const Lead& lead) {
  return sha256_hex("piece-v1\n" + out.string() + "\n" + settings_text(rc, size) + checksum +
                    "\nlead " + (lead.file.empty() ? "none" : lead.hash) + "\n");
}

// Whether anything waits for segment `k` of `shot`: its shot's next segment, or a shot that
// starts from this one's last frame.
bool awaited(const RunContext& rc, const ShotSpec& shot, int k) {
  if (k + 1 < shot.segments) return true;
  return std::any_of(rc.job.shots.begin(), rc.job.shots.end(), [&](const ShotSpec& s) {
    return s.reference.kind == ReferenceSpec::Kind::shot && s.reference.shot == shot.id;
  });
}

std::string encoded_message(const stitch::Result& r) {
  return std::to_string(r.frames) + " frames" +
         (r.clips.size() == 1 && r.clips[0].dropped_first ? " (first dropped: join)" : "");
}

} // namespace

ClipCheck verify_by_encoding(RunContext& rc, const ShotSpec& shot, int k, const fs::path& file,
                             int expected_frames, const std::string& shown,
                             const fs::path& last_png) {
  Lead lead;
  std::optional<stitch::Size> size;
  {
    std::lock_guard lock(rc.mutex);
    lead = lead_for(rc, shot, k);
    size = rc.size;
  }
  if (rc.job.output.width) size = stitch::Size{rc.job.output.width, rc.job.output.height};
  MediaSlots::Hold slot =
      rc.media_slots->take(awaited(rc, shot, k) ? MediaSlots::verify_awaited : MediaSlots::verify);
  const fs::path out = piece_path(rc, shot, k);
  stages::ClipMeasure measure;
  codecs::Frame last;
  try {
    // Before the sequence's size is known (the first segment still generating), the piece
    // takes this clip's own size: the same whenever a model delivers one size, which is the
    // rule; otherwise the media pool encodes it again at the sequence's size.
    if (!size) size = stitch::default_size(file);
    stitch::Options so = base_options(rc, out, *size);
    so.lead_frame = lead.file;
    so.on_decoded = [&](const codecs::Frame& f) {
      measure.add(f);
      last = f.ref();
      slot.yield(); // a segment something waits for goes first
    };
    rc.event(ProgressEvent::Kind::started, shot.id, "encode", out.filename().string(), k,
             shot.segments);
    stitch::Result r = stitch::stitch({{file, shot.id + " " + std::to_string(k + 1), {}}}, so);
    const std::string fp = piece_fingerprint(rc, out, *size, sha256_file(file), lead);
    write_piece_record(out, {stamp(fp, out, r.frames), r.lead_join});
    rc.event(ProgressEvent::Kind::finished, shot.id, "encode", encoded_message(r), k,
             shot.segments);
  } catch (const Error& e) {
    if (e.failure() == Failure::interrupted) throw;
    // Not necessarily the clip's fault (a full disk, an unwritable state folder): the clip is
    // verified on its own, and says so if it does not decode; the pool makes the piece later.
    std::error_code ec;
    fs::remove(out, ec);
    rc.event(ProgressEvent::Kind::log, shot.id, "encode",
             out.filename().string() + ": " + e.what() + "; verifying the clip alone", k,
             shot.segments);
    auto cancelled = [&rc] { return rc.cancel->requested(); };
    return stages::verify_clip(file, expected_frames, shown, cancelled, last_png);
  }
  ClipCheck check = measure.result(expected_frames, shown);
  codecs::write_image(last, last_png);
  return check;
}

Piece encode_piece(RunContext& rc, const ShotSpec& shot, const SegmentRecord& seg,
                   const Lead& lead) {
  const int k = seg.index;
  const fs::path out = piece_path(rc, shot, k);
  stitch::Options so = base_options(rc, out);
  so.lead_frame = lead.file;
  const std::string fp = piece_fingerprint(rc, out, *so.size, seg.checksum, lead);
  Piece piece;
  piece.done = true;
  piece.file = out;
  if (auto rec = read_piece_record(out)) {
    if (long long f = stamped_frames(rec->stamp, fp, out); f >= 0) {
      piece.frames = f;
      piece.lead_join = rec->lead_join;
      rc.event(ProgressEvent::Kind::skipped, shot.id, "encode", "segment encoded already", k,
               shot.segments);
      return piece;
    }
  }
  rc.event(ProgressEvent::Kind::started, shot.id, "encode", out.filename().string(), k,
           shot.segments);
  stitch::Result r =
      stitch::stitch({{seg.local_file, shot.id + " " + std::to_string(k + 1), {}}}, so);
  piece.frames = r.frames;
  piece.lead_join = r.lead_join;
  write_piece_record(out, {stamp(fp, out, r.frames), r.lead_join});
  rc.event(ProgressEvent::Kind::finished, shot.id, "encode", encoded_message(r), k, shot.segments);
  return piece;
}

Piece encode_lead_piece(RunContext& rc, std::size_t index) {
  const fs::path& lead = rc.opt.lead_clips[index];
  fs::path out = rc.report.state_dir / ("lead-" + std::to_string(index + 1) + rc.ext);
  stitch::Options so = base_options(rc, out);
  so.dedupe_joins = false;
  const std::string fp =
      sha256_hex("lead-v1\n" + out.string() + "\n" + settings_text(rc, *so.size) + lead.string() +
                 " " + file_stamp(lead) + "\n");
  Piece piece;
  piece.done = true;
  piece.file = out;
  if (auto rec = read_piece_record(out))
    if (long long f = stamped_frames(rec->stamp, fp, out); f >= 0) {
      piece.frames = f;
      return piece;
    }
  rc.event(ProgressEvent::Kind::started, "", "encode", lead.string());
  stitch::Result r = stitch::stitch({{lead, lead.stem().string(), {}}}, so);
  piece.frames = r.frames;
  write_piece_record(out, {stamp(fp, out, r.frames), std::nullopt});
  rc.event(ProgressEvent::Kind::finished, "", "encode",
           std::to_string(r.frames) + " frames -> " + out.string());
  return piece;
}

} // namespace shotchain::pipeline
