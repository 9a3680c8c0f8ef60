#pragma once
// Retry policy for idempotent calls (GET, upload, download): which outcomes are retried,
// capped exponential backoff with full jitter (seedable), and Retry-After in both forms.
// The policy only computes; the caller sleeps and decides.
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace shotchain::remote {

struct HttpResponse;

struct RetryPolicy {
  int max_attempts = 3;                             // including the first
  std::chrono::milliseconds base{500};              // first backoff ceiling
  std::chrono::milliseconds cap{8000};              // ceiling of any backoff
  std::chrono::milliseconds retry_after_cap{60000}; // a server's Retry-After is capped here
  std::uint64_t seed = 0;                           // 0: seeded from std::random_device
};

// Connection failures, timeouts, 408, 429, 500, 502, 503, 504. Never other 4xx, TLS
// failures, malformed URLs or a transfer aborted on purpose (size cap, cancel).
bool is_retryable(const HttpResponse& response);

// Retry-After as delta-seconds or an HTTP-date (relative to `now`); nullopt when absent or
// unparsable. Dates in the past give zero.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// One per logical call (not shared between threads).
class Backoff {
 public:
  explicit Backoff(const RetryPolicy& policy);
  // The wait before attempt `failed_attempts + 1`: full jitter in
  // [0, min(cap, base * 2^(failed_attempts-1))], or the server's Retry-After (capped) when
  // it is longer.
  std::chrono::milliseconds next(int failed_attempts,
                                 std::optional<std::chrono::milliseconds> retry_after = {});

 private:
  RetryPolicy policy_;
  std::mt19937_64 rng_;
};

} // namespace shotchain::remote
