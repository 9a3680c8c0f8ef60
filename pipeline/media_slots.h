#pragma once
// The run's media budget: how many decodes/encodes may run at once (one per two cores, each
// encode with the rest of the cores' threads). Verification of a just-downloaded segment,
// which is also its single encode, is on the chain's critical path and goes first; the media
// pool's copies and encodes wait while any is waiting. Bounding all media work here keeps a
// run's peak memory the same whatever its number of shots.
#include <condition_variable>
#include <mutex>

namespace shotchain::pipeline {

class MediaSlots {
 public:
  explicit MediaSlots(int slots) : free_(slots < 1 ? 1 : slots) {}

  class Hold {
   public:
    explicit Hold(MediaSlots& s) : slots_(&s) {}
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    ~Hold() { slots_->release(); }

   private:
    MediaSlots* slots_;
  };

  // Waits for a slot; `urgent` takers (verification) go before the others.
  [[nodiscard]] Hold take(bool urgent) {
    std::unique_lock lock(mutex_);
    if (urgent) ++urgent_waiting_;
    cv_.wait(lock, [&] { return free_ > 0 && (urgent || urgent_waiting_ == 0); });
    if (urgent) --urgent_waiting_;
    --free_;
    return Hold(*this);
  }

 private:
  void release() {
    {
      std::lock_guard lock(mutex_);
      ++free_;
    }
    cv_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  int free_;
  int urgent_waiting_ = 0;
};

} // namespace shotchain::pipeline
