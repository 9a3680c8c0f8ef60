// The media budget (pipeline/media_slots.h): a freed slot goes to the most urgent taker, and a
// running verification pauses between pictures for a more urgent one. Ordering is observed
// through the waiting counts, never through timing.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/media_slots.h"

using shotchain::pipeline::MediaSlots;

namespace {

// Spins (yielding the CPU) until `n` takers of `p` wait.
void until_waiting(MediaSlots& slots, MediaSlots::Priority p, int n) {
  while (slots.waiting(p) != n) std::this_thread::yield();
}

struct Order {
  std::mutex mutex;
  std::vector<std::string> names;
  void add(const std::string& n) {
    std::lock_guard lock(mutex);
    names.push_back(n);
  }
};

} // namespace

TEST(MediaSlots, AFreedSlotGoesToTheMostUrgentTaker) {
  MediaSlots slots(1);
  Order order;
  std::vector<std::thread> takers;
  {
    MediaSlots::Hold first = slots.take(MediaSlots::pool);
    takers.emplace_back([&] {
      auto h = slots.take(MediaSlots::pool);
      order.add("pool");
    });
    until_waiting(slots, MediaSlots::pool, 1);
    takers.emplace_back([&] {
      auto h = slots.take(MediaSlots::verify);
      order.add("verify");
    });
    until_waiting(slots, MediaSlots::verify, 1);
    takers.emplace_back([&] {
      auto h = slots.take(MediaSlots::verify_awaited);
      order.add("awaited");
    });
    until_waiting(slots, MediaSlots::verify_awaited, 1);
  } // `first` released: the three go one at a time, most urgent first
  for (auto& t : takers) t.join();
  EXPECT_EQ(order.names, (std::vector<std::string>{"awaited", "verify", "pool"}));
}

TEST(MediaSlots, ARunningVerificationPausesForAnAwaitedOne) {
  MediaSlots slots(1);
  Order order;
  MediaSlots::Hold running = slots.take(MediaSlots::verify);
  running.yield(); // nobody more urgent waits: keeps going
  order.add("verify picture 1");
  std::thread awaited([&] {
    auto h = slots.take(MediaSlots::verify_awaited);
    order.add("awaited");
  });
  until_waiting(slots, MediaSlots::verify_awaited, 1);
  running.yield(); // pauses until the awaited one is done
  order.add("verify picture 2");
  awaited.join();
  EXPECT_EQ(order.names,
            (std::vector<std::string>{"verify picture 1", "awaited", "verify picture 2"}));
  EXPECT_EQ(slots.waiting(MediaSlots::verify), 0);
}

TEST(MediaSlots, NoTakerWaitsWhileASlotIsFreeAndNoneMoreUrgentWaits) {
  MediaSlots slots(2);
  MediaSlots::Hold a = slots.take(MediaSlots::pool);
  MediaSlots::Hold b = slots.take(MediaSlots::verify); // the second slot, at once
  b.yield();                                           // nobody waits: returns at once
  EXPECT_EQ(slots.waiting(MediaSlots::pool), 0);
  EXPECT_EQ(slots.waiting(MediaSlots::verify), 0);
}
