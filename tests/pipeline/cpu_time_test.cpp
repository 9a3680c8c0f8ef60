// Media CPU accounting (common/cpu_time.h): work inside a scope is counted once (nested scopes
// too), work outside is not.
#include <gtest/gtest.h>

#include <cmath>

#include "common/cpu_time.h"

namespace {

// Spends about `seconds` of the calling thread's CPU.
double burn(double seconds) {
  const double until = shotchain::thread_cpu_seconds() + seconds;
  double x = 0;
  while (shotchain::thread_cpu_seconds() < until) x += std::sqrt(x + 1.0);
  return x;
}

} // namespace

TEST(CpuTime, MediaScopesCountTheirThreadsCpuOnce) {
  const double before = shotchain::media_cpu_seconds();
  volatile double sink = burn(0.05); // outside any scope: not media
  EXPECT_LT(shotchain::media_cpu_seconds() - before, 0.005);
  {
    shotchain::MediaCpuScope outer;
    sink = sink + burn(0.1);
    {
      shotchain::MediaCpuScope inner; // nested: must not be added a second time
      sink = sink + burn(0.1);
    }
  }
  const double counted = shotchain::media_cpu_seconds() - before;
  EXPECT_GE(counted, 0.2);
  EXPECT_LT(counted, 0.3);
  EXPECT_GE(shotchain::process_cpu_seconds(), counted);
}
