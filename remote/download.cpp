#include "remote/download.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "common/error.h"
#include "common/scrub.h"
#include "remote/url.h"

namespace shotchain::remote {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

enum class Abort { none, size_cap, bad_range, write_failed };

std::optional<std::uint64_t> parse_u64(const std::string& s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

// "bytes START-END/TOTAL": START.
std::optional<std::uint64_t> content_range_start(const std::string& v) {
  auto sp = v.find(' ');
  auto dash = v.find('-');
  if (sp == std::string::npos || dash == std::string::npos || dash < sp) return std::nullopt;
  return parse_u64(v.substr(sp + 1, dash - sp - 1));
}

void sleep_checked(std::chrono::milliseconds d, const std::function<bool()>& cancelled) {
  auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
    if (cancelled && cancelled()) throw Error(Failure::interrupted, "download interrupted");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

} // namespace

DownloadResult download_to_part(const std::string& url, const std::filesystem::path& part,
                                const DownloadOptions& opt) {
  register_secret(opt.secret);
  auto msg = [](const std::string& s) { return scrub(s, 1000); };
  auto log = [&](const std::string& s) {
    if (opt.log) opt.log(msg(s));
  };
  const std::string shown = redact_url(url);
  if (auto why = url_policy_violation(url); !why.empty())
    throw Error(Failure::runtime, msg("download: " + why));
  if (has_header_breaking_chars(url))
    throw Error(Failure::runtime, msg("download " + shown + ": URL holds CR/LF"));

  DownloadResult result;
  result.part = part;
  Backoff backoff(opt.retry);
  for (int attempt = 1;; ++attempt) {
    std::error_code ec;
    std::uint64_t offset = 0;
    if (std::filesystem::exists(part, ec)) offset = std::filesystem::file_size(part, ec);
    if (ec) offset = 0;
    std::string current = url;
    HttpResponse r;
    Abort abort = Abort::none;
    bool wrote_any = false;
    File file;
    std::uint64_t total = offset;
    result.redirects = 0;
    for (;;) {
      HttpRequest req;
      req.url = current;
      req.timeouts = opt.timeouts;
      req.cancelled = opt.cancelled;
      req.log = opt.log ? LogSink([&](const std::string& s) { log(s); }) : LogSink{};
      if (offset > 0) req.range_from = static_cast<std::int64_t>(offset);
      bool head_checked = false;
      req.on_body = [&](const HttpResponse& head, std::string_view chunk) -> bool {
        if (head.status < 200 || head.status >= 300) return true; // error/redirect body: drop
        if (!head_checked) {
          head_checked = true;
          const char* mode = "wb";
          if (head.status == 206 && offset > 0) {
            auto start = content_range_start(head.header("Content-Range"));
            if (!start || *start != offset) {
              abort = Abort::bad_range;
              return false;
            }
            mode = "ab";
            ++result.resumes;
          } else if (offset > 0) {
            log("download: " + shown + " ignored Range; starting over");
            ++result.restarts;
            offset = 0;
          }
          total = offset;
          if (auto len = parse_u64(head.header("Content-Length"));
              len && offset + *len > opt.max_bytes) {
            abort = Abort::size_cap;
            return false;
          }
          file.reset(std::fopen(part.c_str(), mode));
          if (!file) {
            abort = Abort::write_failed;
            return false;
          }
        }
        if (total + chunk.size() > opt.max_bytes) {
          abort = Abort::size_cap;
          return false;
        }
        if (!chunk.empty() &&
            std::fwrite(chunk.data(), 1, chunk.size(), file.get()) != chunk.size()) {
          abort = Abort::write_failed;
          return false;
        }
        wrote_any = true;
        total += chunk.size();
        return true;
      };
      ++result.attempts;
      r = perform(req);
      if (r.completed() && r.status >= 300 && r.status < 400 && r.status != 304) {
        std::string location = r.header("Location");
        if (location.empty())
          throw Error(Failure::runtime, msg("download " + shown + ": HTTP " +
                                            std::to_string(r.status) + " without a Location"));
        std::string next = resolve_location(current, location);
        UrlParts parts;
        bool ok =
            parse_url(next, parts) &&
            (parts.scheme == "https" || (parts.scheme == "http" && is_loopback_host(parts.host)));
        if (!ok || has_header_breaking_chars(next))
          throw Error(Failure::runtime, msg("download " + shown + ": redirect to " +
                                            redact_url(next) + " refused (https only)"));
        if (++result.redirects > opt.max_redirects)
          throw Error(Failure::runtime, msg("download " + shown + ": more than " +
                                            std::to_string(opt.max_redirects) + " redirects"));
        log("download: redirected to " + redact_url(next));
        current = next;
        --result.attempts;
        continue;
      }
      break;
    }
    if (file) {
      if (std::fflush(file.get()) != 0) abort = Abort::write_failed;
      file.reset();
    }
    if (r.aborted_by_caller && opt.cancelled && opt.cancelled())
      throw Error(Failure::interrupted, msg("download " + shown + ": interrupted"));
    if (abort == Abort::size_cap) {
      std::filesystem::remove(part, ec);
      throw Error(Failure::runtime, msg("download " + shown + ": larger than the size cap of " +
                                        std::to_string(opt.max_bytes) + " bytes"));
    }
    if (abort == Abort::write_failed)
      throw Error(Failure::runtime, msg("download: cannot write " + part.string()));
    if (abort == Abort::bad_range) {
      std::filesystem::remove(part, ec);
      log("download: " + shown + " answered a different range; starting over");
      ++result.restarts;
    } else if (r.completed() && (r.status == 200 || r.status == 206)) {
      if (!wrote_any && !std::filesystem::exists(part, ec)) File(std::fopen(part.c_str(), "wb"));
      result.bytes = std::filesystem::file_size(part, ec);
      log("download: " + shown + " complete, " + std::to_string(result.bytes) + " bytes");
      return result;
    } else if (r.completed() && r.status == 416 && offset > 0) {
      std::filesystem::remove(part, ec); // our part does not fit the file: start over
      ++result.restarts;
    } else if (!is_retryable(r)) {
      std::string why = r.completed() ? "HTTP " + std::to_string(r.status) : r.error_text;
      throw Error(Failure::runtime, r.completed() ? make_http_error(r.status) : r.error,
                  msg("download " + shown + ": " + why));
    }
    if (attempt >= opt.max_attempts) {
      std::string why = r.completed() ? "HTTP " + std::to_string(r.status) : r.error_text;
      throw Error(Failure::runtime, r.completed() ? make_http_error(r.status) : r.error,
                  msg("download " + shown + ": " + why + " (gave up after " +
                      std::to_string(attempt) + " attempts; the part is kept for a resume)"));
    }
    std::optional<std::chrono::milliseconds> ra;
    if (auto h = r.header("Retry-After"); !h.empty())
      ra = parse_retry_after(h, std::chrono::system_clock::now());
    auto wait = backoff.next(attempt, ra);
    log("download: " + shown + ": attempt " + std::to_string(attempt) + " cut (" +
        (r.completed() ? "HTTP " + std::to_string(r.status) : r.error_text) + "), resuming in " +
        std::to_string(wait.count()) + " ms");
    sleep_checked(wait, opt.cancelled);
  }
}

} // namespace shotchain::remote
