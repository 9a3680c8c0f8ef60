#include "remote/atlas.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <thread>

#include "common/error.h"
#include "common/sha256.h"
#include "remote/url.h"

namespace shotchain::remote {
namespace {

using rapidjson::Value;
using namespace std::chrono_literals;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// What one API answer says, whichever envelope it used.
struct Answer {
  explicit Answer(const std::string& body);
  Answer(const Answer&) = delete;
  Answer& operator=(const Answer&) = delete;
  bool json_ok = false;
  rapidjson::Document doc;
  const Value* object = nullptr; // `data` when the envelope wraps, else the top level
  long code = 0;                 // envelope code, 0 when absent
  std::string message;           // message / msg / error text
};

std::string string_field(const Value& obj, const char* name) {
  if (!obj.IsObject()) return {};
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd()) return {};
  if (it->value.IsString()) return {it->value.GetString(), it->value.GetStringLength()};
  if (it->value.IsInt64()) return std::to_string(it->value.GetInt64());
  if (it->value.IsUint64()) return std::to_string(it->value.GetUint64());
  if (it->value.IsDouble()) return std::to_string(it->value.GetDouble());
  return {};
}

// `error` may be a string or an object with message/msg/detail.
std::string error_text(const Value& obj) {
  if (!obj.IsObject()) return {};
  for (const char* key : {"message", "msg", "error", "detail"}) {
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd() || it->value.IsNull()) continue;
    if (it->value.IsString() && it->value.GetStringLength() > 0)
      return {it->value.GetString(), it->value.GetStringLength()};
    if (it->value.IsObject()) {
      auto inner = error_text(it->value);
      if (!inner.empty()) return inner;
    }
  }
  return {};
}

Answer::Answer(const std::string& body) {
  Answer& a = *this;
  a.doc.Parse(body.c_str(), body.size());
  if (a.doc.HasParseError()) return;
  a.json_ok = true;
  const Value& root = a.doc;
  a.object = &root;
  if (root.IsObject()) {
    auto code_it = root.FindMember("code");
    if (code_it != root.MemberEnd()) {
      if (code_it->value.IsInt64())
        a.code = static_cast<long>(code_it->value.GetInt64());
      else if (code_it->value.IsString())
        a.code = std::atol(code_it->value.GetString());
    }
    a.message = error_text(root);
    auto data_it = root.FindMember("data");
    if (data_it != root.MemberEnd() && (data_it->value.IsObject() || data_it->value.IsArray()))
      a.object = &data_it->value;
    // An error nested in the data object (a failed task described in a 5xx body).
    if (a.message.empty() && a.object->IsObject()) a.message = error_text(*a.object);
  }
}

Prediction to_prediction(const Value& v, std::string_view key) {
  Prediction p;
  if (!v.IsObject()) return p;
  p.id = string_field(v, "id");
  if (p.id.empty()) p.id = string_field(v, "prediction_id");
  p.status = string_field(v, "status");
  p.model = string_field(v, "model");
  p.created_at = string_field(v, "created_at");
  p.completed_at = string_field(v, "completed_at");
  auto err = v.FindMember("error");
  if (err != v.MemberEnd()) {
    if (err->value.IsString())
      p.error = err->value.GetString();
    else if (err->value.IsObject())
      p.error = error_text(err->value);
  }
  auto outs = v.FindMember("outputs");
  if (outs != v.MemberEnd() && outs->value.IsArray()) {
    for (const auto& o : outs->value.GetArray())
      if (o.IsString()) p.outputs.emplace_back(o.GetString(), o.GetStringLength());
  }
  auto metrics = v.FindMember("metrics");
  if (metrics != v.MemberEnd() && metrics->value.IsObject()) {
    auto t = metrics->value.FindMember("predict_time");
    if (t != metrics->value.MemberEnd() && t->value.IsNumber())
      p.predict_time = t->value.GetDouble();
  }
  auto nsfw = v.FindMember("has_nsfw_contents");
  if (nsfw != v.MemberEnd()) {
    if (nsfw->value.IsBool())
      p.has_nsfw_contents = nsfw->value.GetBool();
    else if (nsfw->value.IsArray())
      for (const auto& x : nsfw->value.GetArray())
        if (x.IsBool() && x.GetBool()) p.has_nsfw_contents = true;
  }
  // Inputs: flat, or nested under `input`.
  p.prompt = string_field(v, "prompt");
  p.image = string_field(v, "image");
  auto input = v.FindMember("input");
  if (input != v.MemberEnd() && input->value.IsObject()) {
    if (p.prompt.empty()) p.prompt = string_field(input->value, "prompt");
    if (p.image.empty()) p.image = string_field(input->value, "image");
  }
  if (!key.empty()) {
    p.error = scrub(p.error, key);
    for (auto& o : p.outputs) o = scrub(o, key);
  }
  return p;
}

std::string json_string(const std::string& s) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return sb.GetString();
}

std::string short_text(std::string s, std::size_t max = 300) {
  for (auto& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

long effective_code(const HttpResponse& r, const Answer& a) {
  if (r.status >= 400) return r.status;
  if (a.code >= 400) return a.code;
  return r.status;
}

} // namespace

PredictionState classify_status(std::string_view status, bool* known) {
  std::string s = lower(status);
  if (known) *known = true;
  if (s == "completed" || s == "succeeded" || s == "success") return PredictionState::succeeded;
  if (s == "failed" || s == "error" || s == "canceled" || s == "cancelled" || s == "timeout")
    return PredictionState::failed;
  if (s == "created" || s == "queued" || s == "starting" || s == "processing")
    return PredictionState::running;
  if (known) *known = false;
  return PredictionState::running;
}

std::string GenerateRequest::to_json() const {
  std::string j = "{\"model\":" + json_string(model) + ",\"prompt\":" + json_string(prompt);
  if (!image.empty()) j += ",\"image\":" + json_string(image);
  if (!end_image.empty()) j += ",\"end_image\":" + json_string(end_image);
  j += ",\"duration\":" + std::to_string(duration);
  j += std::string(",\"enable_prompt_expansion\":") + (prompt_expansion ? "true" : "false");
  j += "}";
  return j;
}

std::string GenerateRequest::fingerprint() const { return sha256_hex(to_json()); }

std::optional<std::int64_t> parse_timestamp_ms(std::string_view t) {
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  if (t.empty()) return std::nullopt;
  bool numeric =
      std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c) || c == '.'; });
  if (numeric) {
    double v = std::atof(std::string(t).c_str());
    if (v > 1e11) return static_cast<std::int64_t>(v); // milliseconds
    return static_cast<std::int64_t>(v * 1000.0);      // seconds
  }
  // YYYY-MM-DD[T ]HH:MM:SS[.fff][Z|+HH:MM|-HH:MM]
  int Y, M, D, h, m, s;
  int consumed = 0;
  std::string str(t);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &s,
                  &consumed) != 6)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  std::int64_t ms = static_cast<std::int64_t>(timegm(&tm)) * 1000;
  std::size_t i = static_cast<std::size_t>(consumed);
  if (i < str.size() && str[i] == '.') {
    ++i;
    std::int64_t frac = 0;
    int digits = 0;
    while (i < str.size() && std::isdigit(static_cast<unsigned char>(str[i]))) {
      if (digits < 3) {
        frac = frac * 10 + (str[i] - '0');
        ++digits;
      }
      ++i;
    }
    while (digits < 3) {
      frac *= 10;
      ++digits;
    }
    ms += frac;
  }
  if (i < str.size() && (str[i] == '+' || str[i] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(str.c_str() + i + 1, "%2d:%2d", &oh, &om) >= 1) {
      std::int64_t off = (oh * 60 + om) * 60000LL;
      ms += str[i] == '+' ? -off : off;
    }
  }
  return ms;
}

AtlasClient::AtlasClient(AtlasConfig config) : config_(std::move(config)) {
  while (!config_.api_base.empty() && config_.api_base.back() == '/') config_.api_base.pop_back();
  if (auto why = url_policy_violation(config_.api_base); !why.empty())
    throw Error(Failure::bad_input, "--api-base: " + why);
  if (has_header_breaking_chars(config_.api_key))
    throw Error(Failure::bad_input, "API key: holds CR/LF or NUL (refused)");
  if (config_.api_key.empty()) throw Error(Failure::bad_input, "API key: empty");
}

void AtlasClient::log(const std::string& line) const {
  if (config_.log) config_.log(scrub(line, config_.api_key));
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

HttpRequest AtlasClient::api_request(const std::string& method, const std::string& path) const {
  HttpRequest r;
  r.method = method;
  r.url = config_.api_base + path;
  r.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  r.headers.emplace_back("Accept", "application/json");
  r.timeouts = config_.api_timeouts;
  r.cancelled = config_.cancelled;
  if (config_.log) r.log = [this](const std::string& line) { log(line); };
  return r;
}

namespace {

// A terminal-failure task described in a 5xx body: an answer, not an outage.
bool describes_failed_task(const HttpResponse& r) {
  if (r.status < 500 || !r.completed()) return false;
  Answer a(r.body);
  if (!a.json_ok || !a.object || !a.object->IsObject()) return false;
  std::string status = string_field(*a.object, "status");
  return !status.empty() && classify_status(status) == PredictionState::failed;
}

} // namespace

HttpResponse AtlasClient::get_with_retries(const std::string& path, const std::string& what,
                                           bool prediction_call) const {
  Backoff backoff(config_.retry);
  for (int attempt = 1;; ++attempt) {
    HttpRequest req = api_request("GET", path);
    HttpResponse r = perform(req);
    if (r.aborted_by_caller && config_.cancelled && config_.cancelled())
      throw Error(Failure::interrupted, what + ": interrupted");
    if (prediction_call && describes_failed_task(r)) return r;
    if (!is_retryable(r) || attempt >= config_.retry.max_attempts) return r;
    std::optional<std::chrono::milliseconds> ra;
    if (auto h = r.header("Retry-After"); !h.empty())
      ra = parse_retry_after(h, std::chrono::system_clock::now());
    auto wait = backoff.next(attempt, ra);
    log("atlas: " + what + ": attempt " + std::to_string(attempt) + " failed (" +
        (r.completed() ? "HTTP " + std::to_string(r.status) : r.error_text) + "), retrying in " +
        std::to_string(wait.count()) + " ms");
    sleep_for(wait);
  }
}

namespace {

// Turns a final unsuccessful answer into an Error naming `what` (no key, query redacted).
[[noreturn]] void throw_api_error(const std::string& what, const HttpResponse& r,
                                  const std::string& key) {
  if (!r.completed()) {
    throw Error(
        Failure::runtime, r.error,
        scrub(what + ": " + r.error_text + " (after " + std::to_string(r.elapsed.count()) + " ms)",
              key));
  }
  Answer a(r.body);
  long code = effective_code(r, a);
  std::string msg = a.json_ok ? a.message : std::string();
  if (!a.json_ok && !r.body.empty() && code >= 400) msg = short_text(r.body, 200);
  msg = scrub(short_text(msg), key);
  std::string detail = "HTTP " + std::to_string(code) + (msg.empty() ? "" : ": " + msg);
  if (code >= 300 && code < 400) {
    auto loc = r.header("Location");
    throw Error(
        Failure::runtime, make_http_error(code),
        what + ": unexpected redirect (" + detail + ") to " + redact_url(loc) + "; not followed");
  }
  if (code == 401 || code == 403)
    throw Error(Failure::refused, make_http_error(code),
                what + ": the service refused the API key (" + detail + ")");
  if (code == 408 || code == 429 || code >= 500)
    throw Error(Failure::runtime, make_http_error(code),
                what + ": service unavailable (" + detail + ")");
  if (code >= 400)
    throw Error(Failure::refused, make_http_error(code), what + ": refused (" + detail + ")");
  throw Error(Failure::runtime, make_http_error(code),
              what + ": malformed answer (" + detail + ", body is not the expected JSON)");
}

bool answer_ok(const HttpResponse& r, const Answer& a) {
  return r.completed() && r.status >= 200 && r.status < 300 && a.json_ok && !(a.code >= 400);
}

} // namespace

Upload AtlasClient::upload(const std::filesystem::path& file, const std::string& filename,
                           const std::string& content_type) const {
  std::string what = "upload " + file.filename().string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw Error(Failure::bad_input, file.string() + ": not a readable file");
  Backoff backoff(config_.retry);
  for (int attempt = 1;; ++attempt) {
    HttpRequest req = api_request("POST", "/model/uploadMedia");
    req.timeouts = config_.upload_timeouts;
    req.form.push_back(FormPart{"file", filename, content_type, {}, file});
    HttpResponse r = perform(req);
    if (r.aborted_by_caller && config_.cancelled && config_.cancelled())
      throw Error(Failure::interrupted, what + ": interrupted");
    Answer a(r.body);
    if (answer_ok(r, a) && a.object->IsObject()) {
      Upload u;
      u.download_url = string_field(*a.object, "download_url");
      if (u.download_url.empty()) u.download_url = string_field(*a.object, "url");
      if (u.download_url.empty()) u.download_url = string_field(a.doc, "url");
      u.file_name = string_field(*a.object, "file_name");
      u.content_type = string_field(*a.object, "content_type");
      auto size = string_field(*a.object, "size");
      u.size = size.empty() ? 0 : std::atoll(size.c_str());
      if (u.download_url.empty())
        throw Error(Failure::runtime, what + ": the answer has no download_url or url");
      if (has_header_breaking_chars(u.download_url))
        throw Error(Failure::runtime, what + ": the answer's URL holds CR/LF");
      log("atlas: uploaded " + file.filename().string() + " -> " + redact_url(u.download_url));
      return u;
    }
    if (!is_retryable(r) || attempt >= config_.retry.max_attempts)
      throw_api_error(what, r, config_.api_key);
    std::optional<std::chrono::milliseconds> ra;
    if (auto h = r.header("Retry-After"); !h.empty())
      ra = parse_retry_after(h, std::chrono::system_clock::now());
    sleep_for(backoff.next(attempt, ra));
  }
}

Prediction AtlasClient::prediction(const std::string& id) const {
  if (id.empty() || has_header_breaking_chars(id) || id.find_first_of("/?#% ") != std::string::npos)
    throw Error(Failure::bad_input, "prediction id '" + short_text(id, 80) + "': not a valid id");
  std::string what = "prediction " + id;
  HttpResponse r = get_with_retries("/model/prediction/" + id, what, true);
  Answer a(r.body);
  if (r.completed() && r.status == 404)
    throw Error(Failure::refused, make_http_error(404), what + ": unknown to this key (HTTP 404)");
  bool failed_task = describes_failed_task(r);
  if (!answer_ok(r, a) && !failed_task) throw_api_error(what, r, config_.api_key);
  if (!a.object->IsObject()) throw_api_error(what, r, config_.api_key);
  Prediction p = to_prediction(*a.object, config_.api_key);
  if (p.id.empty()) p.id = id;
  if (failed_task && p.error.empty()) p.error = scrub(short_text(a.message), config_.api_key);
  if (p.status.empty()) throw Error(Failure::runtime, what + ": malformed answer (no status)");
  return p;
}

std::vector<Prediction> AtlasClient::history() const {
  HttpResponse r = get_with_retries("/model/history", "history", false);
  Answer a(r.body);
  if (!answer_ok(r, a)) throw_api_error("history", r, config_.api_key);
  const Value* list = a.object;
  if (list->IsObject()) {
    for (const char* key : {"items", "list", "predictions", "data", "records"}) {
      auto it = list->FindMember(key);
      if (it != list->MemberEnd() && it->value.IsArray()) {
        list = &it->value;
        break;
      }
    }
  }
  if (!list->IsArray()) throw Error(Failure::runtime, "history: malformed answer (no list)");
  std::vector<Prediction> out;
  for (const auto& v : list->GetArray())
    if (v.IsObject()) out.push_back(to_prediction(v, config_.api_key));
  return out;
}

std::optional<Prediction> AtlasClient::find_in_history(
    const GenerateRequest& request, std::chrono::system_clock::time_point after) const {
  std::vector<Prediction> items;
  try {
    items = history();
  } catch (const Error& e) {
    if (e.failure() == Failure::interrupted) throw;
    throw Error(Failure::runtime, e.code(),
                "the submit's answer was lost and the history could not be read, so it was "
                "not resent (a job may exist; see `shotchain history`): " +
                    std::string(e.what()));
  }
  auto after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      (after - config_.history_skew).time_since_epoch())
                      .count();
  std::vector<const Prediction*> candidates;
  std::vector<const Prediction*> blind; // entries that do not echo their inputs
  for (const auto& p : items) {
    if (p.id.empty() || p.model != request.model) continue;
    auto created = parse_timestamp_ms(p.created_at);
    if (!created || *created < after_ms) continue;
    if (p.prompt.empty() && p.image.empty()) {
      blind.push_back(&p);
      continue;
    }
    if (p.prompt == request.prompt && p.image == request.image) candidates.push_back(&p);
  }
  if (candidates.empty() && blind.size() == 1) candidates = blind;
  if (candidates.empty()) return std::nullopt;
  // Newest first: the oldest match is the first POST's job.
  return *candidates.back();
}

Submitted AtlasClient::generate(const GenerateRequest& request,
                                const std::function<void(const Intent&)>& on_intent) const {
  if (request.model.empty() || request.model.find_first_of(" \r\n\t") != std::string::npos)
    throw Error(Failure::bad_input,
                "model '" + short_text(request.model, 80) + "': not a model id");
  Intent intent{std::chrono::system_clock::now(), request.fingerprint()};
  if (on_intent) on_intent(intent);
  const std::string body = request.to_json();
  const std::string what = "generate (" + request.model + ")";
  Backoff backoff(config_.retry);
  Submitted result;
  bool resent = false;
  int unsent_failures = 0;
  for (;;) {
    HttpRequest req = api_request("POST", "/model/generateVideo");
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body;
    HttpResponse r = perform(req);
    if (r.request_sent) ++result.posts;
    Answer a(r.body);
    if (answer_ok(r, a) && a.object->IsObject()) {
      Prediction p = to_prediction(*a.object, config_.api_key);
      if (!p.id.empty()) {
        if (p.status.empty()) p.status = "created";
        if (p.model.empty()) p.model = request.model;
        result.prediction = std::move(p);
        result.outcome = resent ? SubmitOutcome::resent : SubmitOutcome::created;
        log("atlas: submitted " + result.prediction.id);
        return result;
      }
    }
    if (r.completed()) {
      long code = effective_code(r, a);
      if (describes_failed_task(r)) {
        Prediction p = to_prediction(*a.object, config_.api_key);
        std::string reason =
            p.error.empty() ? scrub(short_text(a.message), config_.api_key) : p.error;
        throw Error(Failure::refused, make_http_error(code),
                    what + ": prediction " + (p.id.empty() ? "?" : p.id) + " " + p.status +
                        (reason.empty() ? "" : ": " + reason));
      }
      // A clear refusal: nothing was created.
      if (code >= 400 && code < 500 && code != 408 && code != 429)
        throw_api_error(what, r, config_.api_key);
      if (code >= 300 && code < 400) throw_api_error(what, r, config_.api_key);
    } else if (r.aborted_by_caller && config_.cancelled && config_.cancelled()) {
      // Cancelled mid-request: the job may exist; the journal's intent lets a resume adopt it.
      throw Error(Failure::interrupted, what + ": interrupted while submitting");
    } else if (!r.request_sent) {
      // Surely not sent (connect or DNS failure): nothing can have been created.
      if (++unsent_failures >= config_.retry.max_attempts)
        throw_api_error(what, r, config_.api_key);
      sleep_for(backoff.next(unsent_failures));
      continue;
    }
    // Ambiguous: the request went out and no usable answer came back.
    log("atlas: " + what + ": no usable answer (" +
        (r.completed() ? "HTTP " + std::to_string(r.status) : r.error_text) +
        "); looking for the job in the history");
    if (auto found = find_in_history(request, intent.time)) {
      log("atlas: adopted " + found->id + " from the history");
      result.prediction = std::move(*found);
      result.outcome = SubmitOutcome::adopted;
      return result;
    }
    if (resent)
      throw Error(
          Failure::runtime, r.completed() ? make_http_error(r.status) : r.error,
          scrub(what + ": no answer after a second submit and no job in the history (" +
                    (r.completed() ? "HTTP " + std::to_string(r.status) : r.error_text) + ")",
                config_.api_key));
    resent = true;
    std::optional<std::chrono::milliseconds> ra;
    if (auto h = r.header("Retry-After"); !h.empty())
      ra = parse_retry_after(h, std::chrono::system_clock::now());
    auto wait = backoff.next(1, ra);
    log("atlas: the history shows no job; sending once more in " + std::to_string(wait.count()) +
        " ms");
    sleep_for(wait);
  }
}

void PollLearner::record(std::chrono::milliseconds last_running, std::chrono::milliseconds done) {
  if (last_running < std::chrono::milliseconds(0) || last_running >= done) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (!bracket_ || done <= bracket_->lo) {
    // The first job, or one faster than every earlier one was known to be: start over.
    bracket_ = Bracket{last_running, done};
    return;
  }
  // Only "still running" times before the earliest "done" narrow the bracket (a slower job
  // says nothing about the shortest duration).
  if (done < bracket_->hi) bracket_->hi = done;
  if (last_running > bracket_->lo && last_running < bracket_->hi) bracket_->lo = last_running;
}

std::optional<PollLearner::Bracket> PollLearner::bracket() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bracket_;
}

std::vector<std::chrono::milliseconds> PollLearner::early_polls(const PollPolicy& policy) const {
  std::vector<std::chrono::milliseconds> out;
  auto b = bracket();
  if (!b || b->hi <= policy.initial) return out;
  // The overshoot bound (issue 10): a job ending inside the probed span is seen within `step`.
  const auto step = std::max<std::chrono::milliseconds>(std::chrono::seconds(2), b->hi / 10);
  auto lo = std::max(b->lo, policy.initial);
  for (auto t = lo + step; t < b->hi; t += step) out.push_back(t);
  out.push_back(b->hi);
  // A slower job (created a little longer before its await began, or a busier service).
  out.push_back(b->hi + step);
  out.push_back(b->hi + 2 * step);
  return out;
}

Prediction AtlasClient::await(const std::string& id,
                              const std::function<void(const Prediction&)>& on_poll) const {
  using std::chrono::milliseconds;
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + config_.poll.deadline;
  auto elapsed = [&] {
    return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
  };
  // The normal schedule as offsets from the start: initial, then each gap x growth up to max.
  milliseconds next_normal = config_.poll.initial;
  milliseconds delay = config_.poll.initial;
  auto advance_normal = [&] {
    delay =
        std::min(config_.poll.max, milliseconds(static_cast<std::int64_t>(
                                       static_cast<double>(delay.count()) * config_.poll.growth)));
    if (delay.count() < 1) delay = milliseconds(1);
    next_normal += delay;
  };
  std::vector<milliseconds> early;
  if (config_.poll_learner) early = config_.poll_learner->early_polls(config_.poll);
  std::size_t next_early = 0;
  std::optional<milliseconds> last_running; // when the job was last seen unfinished
  std::string last_status;
  std::vector<std::string> unknown_logged;
  for (;;) {
    std::optional<Prediction> p;
    auto asked_at = elapsed(); // the job was unfinished before this if the answer says so
    try {
      p = prediction(id);
    } catch (const Error& e) {
      if (e.failure() != Failure::runtime) throw;
      log(std::string("atlas: poll failed, will poll again: ") + e.what());
    }
    auto answered_at = elapsed(); // and finished by this if the answer says so
    if (p) {
      if (on_poll) on_poll(*p);
      bool known = true;
      auto state = classify_status(p->status, &known);
      if (!known && std::find(unknown_logged.begin(), unknown_logged.end(), p->status) ==
                        unknown_logged.end()) {
        unknown_logged.push_back(p->status);
        log("atlas: prediction " + id + ": unknown state '" + short_text(p->status, 60) +
            "', still polling");
      }
      if (p->status != last_status) {
        log("atlas: prediction " + id + ": " + p->status);
        last_status = p->status;
      }
      if (state == PredictionState::succeeded) {
        if (p->outputs.empty() || p->outputs.front().empty())
          throw Error(Failure::runtime, "prediction " + id + ": " + p->status + " without outputs");
        // Learn only from jobs seen running here (an already finished job says nothing).
        if (config_.poll_learner && last_running)
          config_.poll_learner->record(*last_running, answered_at);
        return *p;
      }
      if (state == PredictionState::failed)
        throw Error(Failure::refused, "prediction " + id + " " + p->status +
                                          (p->error.empty() ? "" : ": " + short_text(p->error)));
      last_running = asked_at;
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      auto secs =
          std::chrono::duration_cast<std::chrono::milliseconds>(now - start).count() / 1000.0;
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1f", secs);
      throw Error(Failure::runtime, make_curl_error(28),
                  "prediction " + id + ": still " +
                      (last_status.empty() ? "unknown" : last_status) + " at the deadline (" + buf +
                      " s); fetch it later with `shotchain prediction " + id + "`");
    }
    // The next poll: the next learned early poll still ahead, else the normal schedule's
    // next time after the last poll made (normal times before it are skipped, not caught up).
    auto since = elapsed();
    while (next_early < early.size() && early[next_early] <= since) ++next_early;
    milliseconds target;
    if (next_early < early.size()) {
      target = early[next_early++];
    } else {
      while (next_normal <= since) advance_normal();
      target = next_normal;
    }
    while (next_normal <= target) advance_normal();
    auto remaining = std::chrono::duration_cast<milliseconds>(deadline - now);
    sleep_for(std::min(target - since, remaining));
  }
}

} // namespace shotchain::remote
