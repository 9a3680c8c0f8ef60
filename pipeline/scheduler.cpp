// Scheduling: generation workers (up to --concurrency shots at once; a shot that starts from
// another shot's last frame waits for it; each verifies its segments in the decode that
// encodes them) and, side by side, a media pool that encodes what verification did not (see
// pieces.h) and copies a shot's pieces into its clip as soon as they are all made. All media
// work shares one budget of slots (media_slots.h).
#include <algorithm>
#include <chrono>
#include <thread>

#include "common/cpu_time.h"
#include "pipeline/pieces.h"
#include "pipeline/run_context.h"

namespace shotchain::pipeline {

namespace {

// Picks the next shot whose dependency is done; marks dependents of failed shots failed.
const ShotSpec* next_ready(RunContext& rc, std::unique_lock<std::mutex>& lock) {
  for (;;) {
    if (rc.cancel->requested()) return nullptr;
    bool pending_left = false;
    for (const auto& s : rc.job.shots) {
      ShotState& st = rc.shots[s.id];
      if (st.status != ShotState::Status::pending) continue;
      pending_left = true;
      if (s.reference.kind == ReferenceSpec::Kind::shot) {
        const ShotState& dep = rc.shots[s.reference.shot];
        if (dep.status == ShotState::Status::failed) {
          st.status = ShotState::Status::failed;
          st.error = std::make_exception_ptr(
              Error(Failure::runtime,
                    quoted_shot(s.id) + ": not run: " + quoted_shot(s.reference.shot) + " failed"));
          rc.cv.notify_all();
          continue;
        }
        if (dep.status != ShotState::Status::done) continue;
      }
      st.status = ShotState::Status::running;
      return &s;
    }
    if (!pending_left) return nullptr;
    // Wake up now and then to notice cancellation.
    rc.cv.wait_for(lock, std::chrono::milliseconds(100));
  }
}

// Every failure names its shot.
std::exception_ptr named_failure(const std::string& id) {
  try {
    throw;
  } catch (const Error& e) {
    std::string what = e.what();
    if (what.find(quoted_shot(id)) == std::string::npos)
      return std::make_exception_ptr(Error(e.failure(), e.code(), quoted_shot(id) + ": " + what));
    return std::current_exception();
  } catch (...) {
    return std::current_exception();
  }
}

void generation_worker(RunContext& rc) {
  std::unique_lock lock(rc.mutex);
  while (const ShotSpec* s = next_ready(rc, lock)) {
    lock.unlock();
    std::exception_ptr err;
    try {
      run_shot(rc, *s);
    } catch (...) {
      err = named_failure(s->id);
    }
    lock.lock();
    ShotState& st = rc.shots[s->id];
    if (err) {
      st.status = ShotState::Status::failed;
      st.error = err;
      try {
        std::rethrow_exception(err);
      } catch (const std::exception& e) {
        rc.event(ProgressEvent::Kind::failed, s->id, "shot", e.what());
      }
    } else {
      st.status = ShotState::Status::done;
    }
    rc.cv.notify_all();
  }
}

// One unit of media work, chosen under the lock.
struct MediaTask {
  const ShotSpec* shot = nullptr; // null: lead clip `piece`
  int piece = -1;                 // >= 0: encode this segment; -1: copy the shot clip
  SegmentRecord segment;
  Lead lead;
};

// The sequence's size is known: given by the spec, a lead clip's, or its first segment's.
bool size_known(RunContext& rc) {
  return rc.job.output.width || !rc.opt.lead_clips.empty() || rc.job.shots.empty() ||
         rc.shots[rc.job.shots[0].id].segments_ready > 0;
}

// Copies first (they finish shots), then pieces in sequence order. A piece needs its segment
// verified (which normally made it already) and the sequence's size known.
std::optional<MediaTask> next_media_task(RunContext& rc) {
  for (std::size_t i = 0; i < rc.lead_pieces.size(); ++i)
    if (!rc.lead_pieces[i].done && !rc.lead_busy[i])
      return MediaTask{nullptr, static_cast<int>(i), {}, {}};
  for (const auto& s : rc.job.shots) {
    ShotState& st = rc.shots[s.id];
    if (!st.media_busy && !st.clip_done &&
        std::all_of(st.pieces.begin(), st.pieces.end(), [](const Piece& p) { return p.done; }))
      return MediaTask{&s, -1, {}, {}};
  }
  if (!size_known(rc)) return std::nullopt;
  for (const auto& s : rc.job.shots) {
    ShotState& st = rc.shots[s.id];
    if (st.media_busy) continue;
    for (int k = 0; k < st.segments_ready; ++k)
      if (!st.pieces[static_cast<std::size_t>(k)].done)
        return MediaTask{&s, k, st.record.segments[static_cast<std::size_t>(k)],
                         lead_for(rc, s, k)};
  }
  return std::nullopt;
}

// Encodes lead clip `i`; called and returns with the lock held.
void run_lead_task(RunContext& rc, std::unique_lock<std::mutex>& lock, std::size_t i) {
  rc.lead_busy[i] = true;
  lock.unlock();
  std::exception_ptr err;
  Piece piece;
  try {
    MediaSlots::Hold slot = rc.media_slots->take(MediaSlots::pool);
    piece = encode_lead_piece(rc, i);
  } catch (...) {
    err = std::current_exception();
  }
  lock.lock();
  rc.lead_busy[i] = false;
  if (err && !rc.media_error) rc.media_error = err;
  if (!err) rc.lead_pieces[i] = piece;
  rc.cv.notify_all();
}

bool all_clips_done(RunContext& rc) {
  return std::all_of(rc.job.shots.begin(), rc.job.shots.end(),
                     [&](const ShotSpec& s) { return rc.shots[s.id].clip_done; }) &&
         std::all_of(rc.lead_pieces.begin(), rc.lead_pieces.end(),
                     [](const Piece& p) { return p.done; });
}

void media_worker(RunContext& rc) {
  std::unique_lock lock(rc.mutex);
  for (;;) {
    if (rc.cancel->requested() || rc.media_error || all_clips_done(rc)) return;
    std::optional<MediaTask> task = next_media_task(rc);
    if (!task) {
      // Nothing can become ready once generation is over and no other worker is busy.
      bool busy = std::any_of(rc.job.shots.begin(), rc.job.shots.end(),
                              [&](const ShotSpec& s) { return rc.shots[s.id].media_busy; }) ||
                  std::find(rc.lead_busy.begin(), rc.lead_busy.end(), true) != rc.lead_busy.end();
      if (rc.generation_over && !busy) return;
      rc.cv.wait_for(lock, std::chrono::milliseconds(100));
      continue;
    }
    if (!task->shot) {
      run_lead_task(rc, lock, static_cast<std::size_t>(task->piece));
      continue;
    }
    ShotState& st = rc.shots[task->shot->id];
    st.media_busy = true;
    lock.unlock();
    std::exception_ptr err;
    Piece piece;
    try {
      MediaSlots::Hold slot = rc.media_slots->take(MediaSlots::pool);
      if (task->piece >= 0)
        piece = encode_piece(rc, *task->shot, task->segment, task->lead);
      else
        copy_shot_clip(rc, *task->shot);
    } catch (...) {
      err = named_failure(task->shot->id);
    }
    lock.lock();
    st.media_busy = false;
    if (err) {
      if (!rc.media_error) rc.media_error = err;
    } else if (task->piece >= 0) {
      st.pieces[static_cast<std::size_t>(task->piece)] = piece;
    }
    rc.cv.notify_all();
  }
}

} // namespace

void generate_and_assemble_shots(RunContext& rc) {
  {
    std::lock_guard lock(rc.mutex);
    for (const auto& s : rc.job.shots)
      rc.shots[s.id].pieces.assign(static_cast<std::size_t>(s.segments), Piece{});
    rc.lead_pieces.assign(rc.opt.lead_clips.size(), Piece{});
    rc.lead_busy.assign(rc.opt.lead_clips.size(), false);
  }
  std::vector<std::thread> media;
  for (int i = 0; i < rc.media_workers; ++i) media.emplace_back([&rc] { media_worker(rc); });
  std::vector<std::thread> workers;
  int n = std::min<int>(rc.opt.concurrency, static_cast<int>(rc.job.shots.size()));
  for (int i = 0; i < n; ++i) workers.emplace_back([&rc] { generation_worker(rc); });
  for (auto& w : workers) w.join();
  rc.report.cpu.generation = process_cpu_seconds();
  rc.report.cpu.generation_media = media_cpu_seconds();
  {
    std::lock_guard lock(rc.mutex);
    rc.generation_over = true;
    rc.cv.notify_all();
  }
  for (auto& w : media) w.join();
  if (rc.cancel->requested())
    throw Error(Failure::interrupted, "run: interrupted; the journal in " +
                                          rc.report.state_dir.string() + " keeps what was done");
  for (const auto& s : rc.job.shots)
    if (rc.shots[s.id].error) std::rethrow_exception(rc.shots[s.id].error);
  if (rc.media_error) std::rethrow_exception(rc.media_error);
}

} // namespace shotchain::pipeline
