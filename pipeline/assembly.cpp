// Assembly from the pieces (pieces.cpp: each verified segment encoded once): a shot's clip is
// a stream copy of its pieces; the sequence is a stream copy of the shot clips, with the joins
// as the pieces decided them. Host stages that change shot clips make the sequence an encode
// again.
#include "common/sha256.h"
#include "pipeline/pieces.h"
#include "pipeline/provenance.h"
#include "pipeline/run_context.h"
#include "pipeline/state_folder.h"

namespace shotchain::pipeline {
namespace fs = std::filesystem;

void copy_shot_clip(RunContext& rc, const ShotSpec& shot) {
  fs::path out = rc.shot_clip_path(shot.id);
  std::vector<Piece> pieces;
  ShotRecord record;
  {
    std::lock_guard lock(rc.mutex);
    pieces = rc.shots[shot.id].pieces;
    record = rc.shots[shot.id].record;
  }
  std::string fp = "shot-clip-v2\n" + out.string() + "\n" + settings_text(rc, sequence_size(rc));
  std::vector<stitch::Clip> clips;
  std::vector<stitch::JoinReport> joins;
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    fp += pieces[k].file.string() + " " + file_stamp(pieces[k].file) + "\n";
    clips.push_back({pieces[k].file, shot.id + " " + std::to_string(k + 1), {}});
    if (k > 0) joins.push_back(pieces[k].lead_join.value_or(stitch::JoinReport{}));
  }
  fp = sha256_hex(fp);
  long long frames = stamped_frames(record.clip_checksum, fp, out);
  if (frames >= 0) {
    rc.event(ProgressEvent::Kind::skipped, shot.id, "assemble",
             "shot clip unchanged: " + out.string());
  } else {
    rc.event(ProgressEvent::Kind::started, shot.id, "assemble",
             "shot clip " + out.filename().string());
    stitch::Options so = base_options(rc, out);
    so.copy_when_same = true;
    so.decided_joins = joins;
    stitch::Result r = stitch::stitch(clips, so);
    frames = r.frames;
    record.clip_file = out.string();
    record.clip_checksum = stamp(fp, out, frames);
    rc.journal->save(record);
    rc.event(ProgressEvent::Kind::finished, shot.id, "assemble",
             std::to_string(r.frames) + " frames -> " + out.string());
  }
  std::lock_guard lock(rc.mutex);
  ShotState& st = rc.shots[shot.id];
  st.record.clip_file = record.clip_file;
  st.record.clip_checksum = record.clip_checksum;
  st.clip = out;
  st.clip_frames = frames;
  st.clip_done = true;
  rc.event(ProgressEvent::Kind::finished, shot.id, "shot",
           "done: " + std::to_string(frames) + " frames");
}

namespace {

// The host's own stages (a grade, an upscale, ...) on every shot clip.
void run_host_stages(RunContext& rc, std::vector<ShotClip>& clips) {
  for (const auto& stage : rc.opt.before_assembly) {
    for (auto& clip : clips) {
      rc.cancel->throw_if_requested("assemble");
      StageContext ctx;
      ctx.sink = rc.sink;
      ctx.cancel = rc.cancel;
      ctx.shot_id = clip.shot_id;
      ctx.work_dir = rc.journal->shot_dir(clip.shot_id);
      ctx.report(ProgressEvent::Kind::started, stage->name());
      ShotClip next = stage->run(clip, ctx);
      if (next.metadata.empty()) next.metadata = clip.metadata;
      clip = std::move(next);
      ctx.report(ProgressEvent::Kind::finished, stage->name(), clip.file.string());
    }
  }
}

// The sequence's options: the shot clips copied, the joins as their pieces decided them.
stitch::Options sequence_options(RunContext& rc, const std::string& provenance) {
  stitch::Options so = base_options(rc, rc.report.sequence);
  so.copy_when_same = true;
  // Host stages may change the clips' size: without a size in the spec, the sequence takes
  // the first clip's, as the host made it.
  if (!rc.opt.before_assembly.empty() && !rc.job.output.width) so.size.reset();
  std::vector<stitch::JoinReport> joins;
  for (std::size_t i = 1; i < rc.opt.lead_clips.size(); ++i) {
    stitch::JoinReport j;
    j.reason = "not measured";
    joins.push_back(j);
  }
  for (std::size_t i = 0; i < rc.job.shots.size(); ++i) {
    if (i == 0 && rc.opt.lead_clips.empty()) continue;
    const auto& pieces = rc.shots[rc.job.shots[i].id].pieces;
    joins.push_back(pieces.empty() ? stitch::JoinReport{}
                                   : pieces[0].lead_join.value_or(stitch::JoinReport{}));
  }
  for (std::size_t i = 0; i < joins.size(); ++i) joins[i].index = i;
  so.decided_joins = joins;
  for (const auto& t : rc.job.output.timelines) {
    if (t == "otio") so.timelines.otio = true;
    if (t == "fcpxml") so.timelines.fcpxml = true;
    if (t == "edl") so.timelines.edl = true;
  }
  std::string stem = rc.report.sequence.stem().string();
  if (rc.job.output.qc) so.qc_json = rc.report.output_dir / (stem + ".qc.json");
  if (rc.job.output.contact_sheet)
    so.contact_sheet = rc.report.output_dir / (stem + ".contact.png");
  so.container_metadata = {{"title", stem},
                           {"comment", "shotchain provenance " + provenance},
                           {"encoder", "shotchain " + rc.opt.backend->name()}};
  so.progress = [&rc](const stitch::Progress& p) {
    ProgressEvent e;
    e.kind = ProgressEvent::Kind::progress;
    e.stage = "assemble";
    e.message = p.phase;
    if (p.frames_total > 0)
      e.fraction = static_cast<double>(p.frames_done) / static_cast<double>(p.frames_total);
    rc.sink->on_event(e);
  };
  return so;
}

} // namespace

void assemble_sequence(RunContext& rc) {
  rc.cancel->throw_if_requested("assemble");
  std::vector<ShotClip> clips;
  for (const auto& s : rc.job.shots) {
    const ShotState& st = rc.shots[s.id];
    if (!rc.opt.sequence_only) rc.report.written.push_back(st.clip);
    clips.push_back({s.id, st.clip, provenance_fields(rc, s)});
  }
  run_host_stages(rc, clips);
  for (const auto& s : rc.job.shots) {
    if (rc.opt.sequence_only) break;
    fs::path p = rc.report.output_dir / "provenance" / (s.id + ".json");
    write_file_atomic(p, provenance_json(rc, s, rc.shots[s.id].clip, rc.shots[s.id].clip_frames));
    rc.report.written.push_back(p);
  }
  const std::string all = provenance_summary(rc);
  std::vector<stitch::Clip> seq;
  // The lead clips as encoded once (their pieces), so the sequence stays a copy.
  for (std::size_t i = 0; i < rc.opt.lead_clips.size(); ++i) {
    const fs::path& lead = rc.opt.lead_clips[i];
    seq.push_back(
        {rc.lead_pieces[i].file, lead.stem().string(), {{"shotchain.source", lead.string()}}});
  }
  for (const auto& c : clips) seq.push_back({c.file, c.shot_id, c.metadata});
  stitch::Options so = sequence_options(rc, all);
  // The same inputs and settings as the last assembly, its files untouched: nothing to do.
  // (Never skipped with host stages: what they make is theirs.)
  std::string fp = "sequence-v2\n" + rc.report.sequence.string() + "\n" +
                   settings_text(rc, so.size.value_or(stitch::Size{})) + all + "\n" +
                   (rc.job.output.qc ? "qc" : "") + (rc.job.output.contact_sheet ? "sheet" : "") +
                   "\n";
  for (const auto& t : rc.job.output.timelines) fp += t + ",";
  for (const auto& c : seq) fp += "\n" + c.path.string() + " " + file_stamp(c.path);
  fp = sha256_hex(fp);
  fs::path record = rc.report.state_dir / "assembly.json";
  std::vector<fs::path> previous;
  long long frames = rc.opt.before_assembly.empty() ? assembly_unchanged(record, fp, previous) : -1;
  std::vector<fs::path> written;
  if (frames >= 0) {
    written = previous;
    rc.event(ProgressEvent::Kind::skipped, "", "assemble",
             "sequence unchanged: " + rc.report.sequence.string());
  } else {
    rc.event(ProgressEvent::Kind::started, "", "assemble", rc.report.sequence.string());
    stitch::Result r = stitch::stitch(seq, so);
    frames = r.frames;
    written = r.written;
    write_assembly_record(record, fp, frames, written);
    rc.event(ProgressEvent::Kind::finished, "", "assemble",
             std::to_string(r.frames) + " frames -> " + rc.report.sequence.string() +
                 (r.stream_copied ? " (stream copy)" : " (encoded)"));
  }
  rc.report.frames = frames;
  for (auto& p : rc.report.written) written.push_back(p);
  rc.report.written = std::move(written);
}

} // namespace shotchain::pipeline
