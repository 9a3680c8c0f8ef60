#include "remote/atlas.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <thread>

#include "common/scrub.h"
#include "common/sha256.h"
#include "remote/atlas_answers.h"
#include "remote/url.h"

namespace shotchain::remote {
namespace {

using namespace std::chrono_literals;

std::string json_string(const std::string& s) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return sb.GetString();
}

} // namespace

std::string GenerateRequest::to_json() const {
  auto declared = [this](const std::string& name) {
    return declared_fields.empty() ||
           std::find(declared_fields.begin(), declared_fields.end(), name) != declared_fields.end();
  };
  std::string j = "{\"model\":" + json_string(model) + ",\"prompt\":" + json_string(prompt);
  if (!image.empty()) j += ",\"image\":" + json_string(image);
  if (!end_image.empty()) j += "," + json_string(end_image_field) + ":" + json_string(end_image);
  if (declared("duration")) j += ",\"duration\":" + std::to_string(duration);
  if (declared("enable_prompt_expansion"))
    j += std::string(",\"enable_prompt_expansion\":") + (prompt_expansion ? "true" : "false");
  j += "}";
  return j;
}

std::string GenerateRequest::fingerprint() const { return sha256_hex(to_json()); }

void SubmitRegistry::begin() {
  std::lock_guard<std::mutex> lock(mu_);
  ++in_flight_;
}
void SubmitRegistry::end(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (in_flight_ > 0) --in_flight_;
  if (!id.empty()) ids_.push_back(id);
}
int SubmitRegistry::in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_flight_;
}
bool SubmitRegistry::known(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::find(ids_.begin(), ids_.end(), id) != ids_.end();
}

AtlasClient::AtlasClient(AtlasConfig config) : config_(std::move(config)) {
  while (!config_.api_base.empty() && config_.api_base.back() == '/') config_.api_base.pop_back();
  if (auto why = url_policy_violation(config_.api_base); !why.empty())
    throw Error(Failure::bad_input, "--api-base: " + why);
  if (has_header_breaking_chars(config_.api_key))
    throw Error(Failure::bad_input, "API key: holds CR/LF or NUL (refused)");
  if (config_.api_key.empty()) throw Error(Failure::bad_input, "API key: empty");
  register_secret(config_.api_key);
  if (!config_.submits) config_.submits = std::make_shared<SubmitRegistry>();
}

void AtlasClient::log(const std::string& line) const {
  if (config_.log) config_.log(scrub(line, 2000));
}

void AtlasClient::sleep_for(std::chrono::milliseconds d) const {
  auto end = std::chrono::steady_clock::now() + d;
  for (;;) {
    if (config_.cancelled && config_.cancelled())
      throw Error(Failure::interrupted, "interrupted while waiting for the service");
    auto now = std::chrono::steady_clock::now();
    if (now >= end) return;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(end - now, 50ms));
  }
}

HttpRequest AtlasClient::public_request(const std::string& url) const {
  HttpRequest r;
  r.method = "GET";
  r.url = url;
  r.headers.emplace_back("Accept", "application/json");
  r.timeouts = config_.api_timeouts;
  r.cancelled = config_.cancelled;
  if (config_.log) r.log = [this](const std::string& line) { log(line); };
  return r;
}

HttpRequest AtlasClient::api_request(const std::string& method, const std::string& path) const {
  HttpRequest r = public_request(config_.api_base + path);
  r.method = method;
  r.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  return r;
}

std::optional<std::chrono::milliseconds> AtlasClient::retry_after(const HttpResponse& r) const {
  if (auto h = r.header("Retry-After"); !h.empty())
    return parse_retry_after(h, std::chrono::system_clock::now());
  return std::nullopt;
}

HttpResponse AtlasClient::get_with_retries(HttpRequest req, const std::string& what,
                                           bool prediction_call) const {
  Backoff backoff(config_.retry);
  for (int attempt = 1;; ++attempt) {
    HttpResponse r = perform(req);
    if (r.aborted_by_caller && config_.cancelled && config_.cancelled())
      throw Error(Failure::interrupted, what + ": interrupted");
    if (prediction_call && r.completed() && read_prediction_answer(r.status, r.body).failed_task)
      return r;
    if (!is_retryable(r) || attempt >= config_.retry.max_attempts) return r;
    auto wait = backoff.next(attempt, retry_after(r));
    log("atlas: " + what + ": attempt " + std::to_string(attempt) + " failed (" +
        (r.completed() ? "HTTP " + std::to_string(r.status) : r.error_text) + "), retrying in " +
        std::to_string(wait.count()) + " ms");
    sleep_for(wait);
  }
}

// One line per case a user can act on (API.md: 401 the key, 402 the balance, 429 the rate
// limit, an HTML 403 from the edge, 5xx the service); every peer text scrubbed.
void AtlasClient::throw_api_error(const std::string& what, const HttpResponse& r) const {
  if (!r.completed())
    throw Error(
        Failure::runtime, r.error,
        scrub(what + ": " + r.error_text + " (after " + std::to_string(r.elapsed.count()) + " ms)",
              1000));
  AnswerStatus a = read_answer_status(r.status, r.body);
  long code = a.code;
  std::string detail = "HTTP " + std::to_string(code) + (a.message.empty() ? "" : ": " + a.message);
  auto fail = [&](Failure f, const std::string& text) {
    throw Error(f, make_http_error(code), scrub(what + ": " + text, 1000));
  };
  if (code >= 300 && code < 400)
    fail(Failure::runtime, "unexpected redirect (" + detail + ") to " +
                               redact_url(scrub(r.header("Location"), 500)) + "; not followed");
  if (code == 401)
    fail(Failure::refused, "the service refused the API key (" + detail +
                               "): check ATLASCLOUD_API_KEY or --api-key-file");
  if (code == 402)
    fail(Failure::refused, "the account balance does not cover this (" + detail +
                               "): top up the account; nothing was created");
  if (code == 403 && a.html)
    fail(Failure::refused,
         "the service's edge blocked the request (HTTP 403 with an HTML page): not a key "
         "problem; try again later or from another network");
  if (code == 403)
    fail(Failure::refused, "forbidden (" + detail + "): the key may lack access to this");
  if (code == 429)
    fail(Failure::runtime, "rate limited by the service (" + detail + "): try again later");
  if (code == 408 || code >= 500)
    fail(Failure::runtime, "the service is unavailable (" + detail + ")");
  if (code >= 400) fail(Failure::refused, "refused (" + detail + ")");
  fail(Failure::runtime, "malformed answer (" + detail + ", the body is not the expected JSON)");
  std::abort(); // unreachable: fail() throws
}

} // namespace shotchain::remote
