#include "remote/retry.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "remote/http.h"

namespace shotchain::remote {

bool is_retryable(const HttpResponse& r) {
  if (r.error) {
    if (r.error.category() != curl_category()) return false;
    switch (static_cast<CURLcode>(r.error.value())) {
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_COULDNT_CONNECT:
      case CURLE_OPERATION_TIMEDOUT:
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_GOT_NOTHING:
      case CURLE_PARTIAL_FILE:
      case CURLE_HTTP2:
      case CURLE_HTTP2_STREAM:
        return true;
      default:
        return false;
    }
  }
  switch (r.status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
    value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
    value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](unsigned char c) { return std::isdigit(c) != 0; })) {
    if (value.size() > 9) return std::chrono::hours(24 * 365); // absurd: the cap applies
    return std::chrono::seconds(std::stol(std::string(value)));
  }
  // HTTP-date (IMF-fixdate, RFC 850 or asctime); curl_getdate parses all three.
  time_t when = curl_getdate(std::string(value).c_str(), nullptr);
  if (when < 0) return std::nullopt;
  // Compared in seconds before any conversion: a date centuries ahead would overflow the
  // clock's nanosecond count (signed overflow). A year is past any cap.
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  const std::int64_t ahead = static_cast<std::int64_t>(when) - now_s.count();
  constexpr std::int64_t kYear = 365LL * 24 * 3600;
  if (ahead <= 0) return std::chrono::milliseconds(0);
  if (ahead > kYear) return std::chrono::hours(24 * 365);
  auto at = std::chrono::system_clock::time_point(std::chrono::seconds(when));
  if (at <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
}

Backoff::Backoff(const RetryPolicy& policy)
    : policy_(policy), rng_(policy.seed != 0 ? policy.seed : std::random_device{}()) {}

std::chrono::milliseconds Backoff::next(int failed_attempts,
                                        std::optional<std::chrono::milliseconds> retry_after) {
  using std::chrono::milliseconds;
  std::int64_t ceiling = policy_.base.count();
  for (int i = 1; i < failed_attempts && ceiling < policy_.cap.count(); ++i) ceiling *= 2;
  ceiling = std::min<std::int64_t>(ceiling, policy_.cap.count());
  std::uniform_int_distribution<std::int64_t> dist(0, std::max<std::int64_t>(ceiling, 0));
  milliseconds wait(dist(rng_));
  if (retry_after) wait = std::max(wait, std::min(*retry_after, policy_.retry_after_cap));
  return wait;
}

} // namespace shotchain::remote
