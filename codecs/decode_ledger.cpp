#include "codecs/decode_ledger.h"

#include <atomic>
#include <mutex>

namespace shotchain::codecs::decode_ledger {
namespace {

std::atomic<bool> counting{false};
std::mutex mutex;
std::map<std::string, long long> pictures;

} // namespace

void start() {
  std::lock_guard lock(mutex);
  pictures.clear();
  counting = true;
}

std::map<std::string, long long> stop() {
  std::lock_guard lock(mutex);
  counting = false;
  return std::move(pictures);
}

void count(const std::string& path) {
  if (!counting.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(mutex);
  if (counting) ++pictures[path];
}

} // namespace shotchain::codecs::decode_ledger
