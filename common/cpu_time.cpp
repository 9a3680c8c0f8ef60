#include "common/cpu_time.h"

#include <atomic>
#include <ctime>

namespace shotchain {
namespace {

std::atomic<long long> g_media_ns{0};
thread_local int t_depth = 0;

double clock_seconds(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

} // namespace

double process_cpu_seconds() { return clock_seconds(CLOCK_PROCESS_CPUTIME_ID); }
double thread_cpu_seconds() { return clock_seconds(CLOCK_THREAD_CPUTIME_ID); }
double media_cpu_seconds() { return static_cast<double>(g_media_ns.load()) / 1e9; }

MediaCpuScope::MediaCpuScope() : outermost_(t_depth++ == 0) {
  if (outermost_) start_ = thread_cpu_seconds();
}

MediaCpuScope::~MediaCpuScope() {
  --t_depth;
  if (outermost_)
    g_media_ns.fetch_add(static_cast<long long>((thread_cpu_seconds() - start_) * 1e9));
}

} // namespace shotchain
