#pragma once
// The run's media budget: how many decodes/encodes may run at once (one per two cores, each
// encode with the rest of the cores' threads). A slot goes to the most urgent taker: the
// verification of a segment that something waits for (the next segment of its shot, a shot
// starting from its last frame), then other verifications (each also its segment's single
// encode), then the media pool's copies and encodes. Bounding all media work here keeps a
// run's peak memory the same whatever its number of shots.
#include <condition_variable>
#include <mutex>

namespace shotchain::pipeline {

class MediaSlots {
 public:
  explicit MediaSlots(int slots) : free_(slots < 1 ? 1 : slots) {}

  enum Priority { pool = 0, verify = 1, verify_awaited = 2 };

  class Hold {
   public:
    Hold(MediaSlots& s, Priority p) : slots_(&s), priority_(p) {}
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    ~Hold() { slots_->release(); }
    // Between two pictures: while a more urgent taker waits, it goes first and this one
    // pauses (its codecs kept as they are) until a slot is free for it again.
    void yield() { slots_->yield(priority_); }

   private:
    MediaSlots* slots_;
    Priority priority_;
  };

  // Waits for a slot; no taker goes while one of a higher priority waits.
  [[nodiscard]] Hold take(Priority priority) {
    std::unique_lock lock(mutex_);
    ++waiting_[priority];
    cv_.wait(lock, [&] { return free_ > 0 && !higher_waiting(priority); });
    --waiting_[priority];
    --free_;
    return Hold(*this, priority);
  }

  // Takers of `priority` waiting now (tests).
  int waiting(Priority priority) {
    std::lock_guard lock(mutex_);
    return waiting_[priority];
  }

 private:
  void yield(Priority priority) {
    std::unique_lock lock(mutex_);
    if (!higher_waiting(priority)) return;
    ++free_;
    cv_.notify_all();
    ++waiting_[priority];
    cv_.wait(lock, [&] { return free_ > 0 && !higher_waiting(priority); });
    --waiting_[priority];
    --free_;
  }

  void release() {
    {
      std::lock_guard lock(mutex_);
      ++free_;
    }
    cv_.notify_all();
  }

  bool higher_waiting(Priority priority) const {
    for (int p = priority + 1; p <= verify_awaited; ++p)
      if (waiting_[p] > 0) return true;
    return false;
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  int free_;
  int waiting_[verify_awaited + 1] = {};
};

} // namespace shotchain::pipeline
