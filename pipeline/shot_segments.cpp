// One shot's segments, in order: each generated (or its journalled prediction awaited, or
// reused when done already), verified in the decode that encodes its piece, journalled, and
// its last decoded frame made the next segment's reference. Each verified segment is then
// published to the assembly.
#include "common/sha256.h"
#include "pipeline/pieces.h"
#include "pipeline/run_context.h"
#include "pipeline/state_folder.h"
#include "stages/generate_verify.h"
#include "stages/preview_generator.h"

namespace shotchain::pipeline {
namespace fs = std::filesystem;

namespace {

std::string shot_fingerprint(const RunContext& rc, const ShotSpec& s) {
  std::string f = "v1\n" + rc.opt.backend->name() + "\n" + s.model + "\n" + s.prompt + "\n" +
                  std::to_string(s.duration) + "\n" + (s.prompt_expansion ? "1" : "0") + "\n" +
                  std::to_string(s.segments) + "\n" + s.reference.describe() + "\n";
  if (s.end_image) f += "end " + sha256_file(*s.end_image) + "\n";
  return sha256_hex(f);
}

bool file_matches(const std::string& file, const std::string& checksum) {
  if (file.empty() || checksum.empty() || !fs::is_regular_file(file)) return false;
  return sha256_file(file) == checksum;
}

// The journal hooks of one segment's generation: every step saved as it happens.
GenerationHooks journal_hooks(RunContext& rc, ShotRecord& rec, SegmentRecord& seg,
                              std::mutex& rec_mutex, const StageContext& ctx) {
  GenerationHooks hooks;
  auto save = [&rc, &rec] { rc.journal->save(rec); };
  hooks.on_upload = [&, save](const std::string& url) {
    std::lock_guard l(rec_mutex);
    seg.upload_url = url;
    save();
  };
  hooks.on_intent = [&, save](const std::string& t) {
    std::lock_guard l(rec_mutex);
    seg.intent_time = t;
    seg.status = SegmentRecord::Status::intent;
    save();
  };
  hooks.on_prediction_id = [&, save](const std::string& id) {
    std::lock_guard l(rec_mutex);
    seg.prediction_id = id;
    seg.status = SegmentRecord::Status::submitted;
    save();
  };
  hooks.on_status = [&ctx](const std::string& st) {
    ctx.report(ProgressEvent::Kind::progress, "generate", {}, -1, st);
  };
  hooks.on_output_url = [&, save](const std::string& url) {
    std::lock_guard l(rec_mutex);
    seg.output_url = url;
    seg.status = SegmentRecord::Status::completed;
    save();
  };
  return hooks;
}

// Generates segment `k` from `ref` (or resumes its prediction), verifies it, journals it.
// True when it was resumed from a journalled prediction id.
bool generate_segment(RunContext& rc, const ShotSpec& s, int k, const Reference& ref,
                      ShotRecord& rec, StageContext& ctx) {
  SegmentRecord& seg = rec.segments[static_cast<std::size_t>(k)];
  std::mutex rec_mutex; // hooks may be called from the backend's threads
  rc.journal->save(rec);
  GenerationRequest req = request_for(s, k);
  req.reference_image = ref.file;
  req.output = ctx.work_dir / ("segment-" + std::to_string(k + 1) + ".mp4");
  const fs::path last = ctx.work_dir / ("segment-" + std::to_string(k + 1) + "-last.png");
  req.last_frame = last;
  GenerationResume resume{seg.upload_url, seg.intent_time, seg.prediction_id, seg.output_url};
  const bool had_id = !seg.prediction_id.empty();
  GenerationHooks hooks = journal_hooks(rc, rec, seg, rec_mutex, ctx);
  hooks.verify = [&rc, &s, k](const fs::path& file, int expected, const std::string& shown,
                              const fs::path& last_png) {
    return verify_by_encoding(rc, s, k, file, expected, shown, last_png);
  };
  ctx.report(ProgressEvent::Kind::started, "generate",
             had_id ? "resuming prediction " + seg.prediction_id : "");
  GenerationResult res = rc.opt.backend->generate(req, resume, hooks, ctx);
  // Verify: decodes, 25 fps, the expected frame count; keep its last frame losslessly. A
  // backend that downloaded the clip verified it through hooks.verify already; others' clips
  // are verified here, in the same way (the decode that encodes the segment's piece).
  ctx.report(ProgressEvent::Kind::progress, "verify");
  ClipCheck facts;
  if (res.last_frame == last && res.fps > 0 && fs::is_regular_file(last)) {
    facts.frames = res.frames;
    facts.width = res.width;
    facts.height = res.height;
    facts.fps = res.fps;
  } else {
    facts = verify_by_encoding(rc, s, k, res.file, req.expected_frames(), res.file.string(), last);
  }
  std::string who = quoted_shot(s.id) + " segment " + std::to_string(k + 1) +
                    (res.prediction_id.empty() ? "" : " (prediction " + res.prediction_id + ")");
  // A paid clip is kept as delivered; the difference is recorded in the progress, the journal
  // and from there the provenance and QC report (assembly conforms it).
  std::string diff = stages::clip_difference(facts.frames, facts.fps, req.expected_frames());
  if (!diff.empty()) ctx.report(ProgressEvent::Kind::log, "verify", who + ": " + diff);
  std::lock_guard l(rec_mutex);
  if (!res.prediction_id.empty()) seg.prediction_id = res.prediction_id;
  if (!res.output_url.empty()) seg.output_url = res.output_url;
  if (!res.upload_url.empty()) seg.upload_url = res.upload_url;
  seg.local_file = res.file.string();
  seg.checksum = sha256_file(res.file);
  seg.frames = facts.frames;
  seg.fps = facts.fps;
  seg.width = facts.width;
  seg.height = facts.height;
  seg.difference = diff;
  seg.last_frame_file = last.string();
  seg.last_frame_hash = sha256_file(last);
  seg.status = SegmentRecord::Status::done;
  rc.journal->save(rec);
  ctx.report(ProgressEvent::Kind::finished, "generate",
             std::to_string(facts.frames) + " frames " + std::to_string(facts.width) + "x" +
                 std::to_string(facts.height));
  return had_id;
}

// The segment's record for this spec and reference: a changed one starts afresh. Paid ids of
// the old version are kept for the record, never resubmitted or reused.
void refresh_segment(SegmentRecord& seg, const std::string& fp) {
  if (seg.fingerprint == fp) return;
  std::vector<std::string> old = seg.superseded_predictions;
  if (!seg.prediction_id.empty()) old.push_back(seg.prediction_id);
  seg = SegmentRecord{};
  seg.superseded_predictions = std::move(old);
  seg.fingerprint = fp;
}

} // namespace

void run_shot(RunContext& rc, const ShotSpec& s) {
  Reference ref;
  {
    std::lock_guard lock(rc.mutex);
    if (s.reference.kind == ReferenceSpec::Kind::shot) {
      const ShotState& dep = rc.shots[s.reference.shot];
      ref = {dep.last_frame, dep.last_frame_hash, "last"};
    } else {
      ref = rc.shots[s.id].first_reference;
    }
  }
  fs::path dir = rc.journal->shot_dir(s.id);
  remove_stale_parts(dir);
  ShotRecord rec = rc.journal->load(s.id).value_or(ShotRecord{});
  std::string sfp = shot_fingerprint(rc, s);
  if (rec.id.empty()) rec.id = s.id;
  if (rec.fingerprint != sfp) {
    rec.fingerprint = sfp;
    rec.clip_file.clear();
    rec.clip_checksum.clear();
  }
  rec.segments.resize(static_cast<std::size_t>(s.segments));
  bool generated_any = false;
  for (int k = 0; k < s.segments; ++k) {
    rc.cancel->throw_if_requested(quoted_shot(s.id));
    SegmentRecord& seg = rec.segments[static_cast<std::size_t>(k)];
    refresh_segment(seg, sha256_hex(sfp + "\nsegment " + std::to_string(k) + "\nref " + ref.hash));
    seg.index = k;
    seg.reference_hash = ref.hash;
    seg.reference_file = ref.file.string();
    StageContext ctx;
    ctx.sink = rc.sink;
    ctx.cancel = rc.cancel;
    ctx.shot_id = s.id;
    ctx.segment = k;
    ctx.segments = s.segments;
    ctx.work_dir = dir;
    if (k > 0 || s.reference.kind == ReferenceSpec::Kind::shot) {
      // A chained reference (a generated clip's last frame), checked as the service will.
      GenerationRequest check = request_for(s, k);
      check.reference_image = ref.file;
      rc.opt.backend->preflight(check);
    }
    if (seg.status == SegmentRecord::Status::done && file_matches(seg.local_file, seg.checksum) &&
        file_matches(seg.last_frame_file, seg.last_frame_hash)) {
      ctx.report(ProgressEvent::Kind::skipped, "generate", "done already (journal)");
      std::lock_guard lock(rc.mutex);
      ++rc.report.reused;
    } else {
      bool resumed = generate_segment(rc, s, k, ref, rec, ctx);
      generated_any = true;
      std::lock_guard lock(rc.mutex);
      ++(resumed ? rc.report.resumed : rc.report.generated);
    }
    // Chain: the next segment starts from this one's last decoded frame.
    ref = {seg.last_frame_file, seg.last_frame_hash, ""};
    // Publish: the assembly may encode this segment now.
    std::lock_guard lock(rc.mutex);
    ShotState& st = rc.shots[s.id];
    st.record = rec;
    st.segments_ready = k + 1;
    if (k + 1 == s.segments) {
      st.last_frame = ref.file;
      st.last_frame_hash = ref.hash;
      if (generated_any) rc.report.generated_shots.push_back(s.id);
    }
    rc.cv.notify_all();
  }
}

} // namespace shotchain::pipeline
