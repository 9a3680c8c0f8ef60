#pragma once
// One HTTP exchange over libcurl, returned as a value: status, headers, body and the curl
// error. Nothing here retries, follows redirects or throws for a network failure: the caller
// decides. Every call uses its own easy handle, so calls may run on many threads at once.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "remote/curl_error.h"

namespace shotchain::remote {

using Header = std::pair<std::string, std::string>;

// Receives one log line (already redacted) for -v output.
using LogSink = std::function<void(const std::string&)>;

struct Timeouts {
  std::chrono::milliseconds connect{10000};
  std::chrono::milliseconds total{60000}; // whole exchange; 0 = no limit (transfers)
  // Abort when fewer than `stall_bytes_per_second` move for `stall` (rounded up to whole
  // seconds, as libcurl counts); 0 = off.
  std::chrono::milliseconds stall{0};
  long stall_bytes_per_second = 1024;
};

// One part of a multipart/form-data body: either `data` in memory or the bytes of `file`.
struct FormPart {
  std::string name;
  std::string filename;
  std::string content_type;
  std::string data;
  std::filesystem::path file;
};

struct HttpResponse;

struct HttpRequest {
  std::string method = "GET"; // GET, HEAD or POST
  std::string url;
  std::vector<Header> headers; // values with CR/LF are refused (the call fails unsent)
  std::string body;            // POST body (with a Content-Type header from the caller)
  std::vector<FormPart> form;  // when non-empty: a multipart/form-data POST
  Timeouts timeouts;
  std::optional<std::int64_t> range_from; // sends "Range: bytes=N-" (or N-M with range_to)
  std::optional<std::int64_t> range_to;
  // An answer body held in memory longer than this aborts the exchange (aborted_by_caller and
  // body_too_large set): a hostile or broken peer cannot fill the memory.
  std::size_t max_body = 4u << 20;
  // Streaming body sink: called with the response head (status and headers filled) and each
  // chunk; return false to abort. When set, HttpResponse::body stays empty.
  std::function<bool(const HttpResponse& head, std::string_view chunk)> on_body;
  std::function<bool()> cancelled; // returns true to abort the exchange
  LogSink log;                     // -v lines, secrets redacted
};

struct HttpResponse {
  long status = 0; // 0 when no answer arrived
  std::vector<Header> headers;
  std::string body;
  std::error_code error;     // curl category; empty when the exchange completed
  std::string error_text;    // curl's detail, URLs redacted
  bool request_sent = false; // false only when the request surely never left (connect/DNS)
  bool aborted_by_caller = false;
  bool body_too_large = false; // the body passed request.max_body
  std::chrono::milliseconds elapsed{0};

  bool completed() const { return !error; }
  // First header with this name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

// Performs the exchange. curl_global_init runs once (thread-safe) on first use, and a
// libcurl older than 7.83 is refused with shotchain::Error.
HttpResponse perform(const HttpRequest& request);

// Checks the libcurl version and initializes it once; throws shotchain::Error when too old.
void ensure_curl_ready();

// The User-Agent every request sends: "shotchain/<version>".
std::string user_agent();

// Version text of the linked libcurl.
std::string curl_version_text();

} // namespace shotchain::remote
