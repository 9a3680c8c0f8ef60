#pragma once
// The Atlas Cloud client (see shared/API.md): the catalogue and model schemas, the balance,
// uploads and their liveness, generateVideo under the money rule, prediction, history, and
// polling to a deadline. Answers are read by remote/atlas_answers.h; one file per concern:
//   atlas.cpp (requests, retries of idempotent calls, error messages), atlas_submit.cpp (the
//   billable submit and its money rule), atlas_poll.cpp (prediction, await, learner),
//   atlas_account.cpp (catalogue, schema, balance, history), atlas_upload.cpp (upload, liveness).
// Money rule: the intent is handed to the caller before the POST; a 2xx answer is never
// followed by another POST; after an ambiguous failure the job is looked up in /model/history
// and adopted when exactly one entry can be it; a second POST is sent only when a readable
// history shows none (and the first answer was not a 2xx). Otherwise UnconfirmedSubmit.
// Failures throw shotchain::Error (bad_input, refused, runtime, interrupted); every text from
// the peer passes shotchain::scrub. No curl or RapidJSON type appears here; one client may be
// used from many threads.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "remote/atlas_types.h"
#include "remote/http.h"
#include "remote/retry.h"

namespace shotchain::remote {

struct PollPolicy {
  std::chrono::milliseconds initial{1000}; // first wait between polls
  std::chrono::milliseconds max{10000};    // waits grow to this
  double growth = 1.5;
  std::chrono::milliseconds deadline{std::chrono::minutes(20)}; // whole await
};

// What the jobs this process has seen finish say about the next one's duration, so that a
// job is not noticed late every time (a 2 s job polled at 1 s and 2.5 s). Times are offsets
// from the start of AtlasClient::await. A finished job gives a bracket: still running at
// `last_running`, done at `done`; the learner keeps the bracket of the shortest jobs seen
// (the latest "still running" before the earliest "done"). Thread-safe; copies of one
// AtlasConfig share one learner (the pipeline's concurrent shots learn from each other).
class PollLearner {
 public:
  struct Bracket {
    std::chrono::milliseconds lo{0}; // a job was still running here...
    std::chrono::milliseconds hi{0}; // ...and one was done here (lo < hi)
  };
  // Ignored unless last_running < done.
  void record(std::chrono::milliseconds last_running, std::chrono::milliseconds done);
  // A bracket learned by an earlier run (stages/poll_memory.h), when nothing was learned yet.
  void seed(Bracket b) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!bracket_ && b.lo < b.hi) bracket_ = b;
  }
  std::optional<Bracket> bracket() const;
  // The polls (offsets) to make before the normal schedule resumes after the last of them:
  // probes inside the bracket and past its end (for a slower job) two of them, spaced
  // max(2 s, 1/10 of the bracket's end) apart, so a job ending there is seen within that;
  // none earlier than policy.initial. Empty when nothing was learned yet (or the bracket
  // ends by initial).
  std::vector<std::chrono::milliseconds> early_polls(const PollPolicy& policy) const;

 private:
  mutable std::mutex mu_;
  std::optional<Bracket> bracket_;
};

// The submits of this process whose answers are pending, and the ids already answered: a history
// entry that does not echo its inputs is adopted only when no other submit is in flight and
// its id belongs to no other submit. Thread-safe; copies of one AtlasConfig share it.
class SubmitRegistry {
 public:
  void begin();
  void end(const std::string& id); // id "" when none was read
  int in_flight() const;
  bool known(const std::string& id) const;

 private:
  mutable std::mutex mu_;
  int in_flight_ = 0;
  std::vector<std::string> ids_;
};

struct AtlasConfig {
  std::string api_base = kDefaultApiBase; // https, or http for loopback hosts only
  std::string api_key;                    // Bearer token; never logged, never in errors
  Timeouts api_timeouts{};                // connect 10 s, 60 s per call
  Timeouts upload_timeouts{std::chrono::seconds(10), std::chrono::milliseconds(0),
                           std::chrono::seconds(30), 1024}; // stall limit instead of a total
  RetryPolicy retry{};
  PollPolicy poll{};
  std::shared_ptr<PollLearner> poll_learner = std::make_shared<PollLearner>(); // null: off
  // How far before the intent a history entry's created_at may lie (clock skew).
  std::chrono::milliseconds history_skew{std::chrono::seconds(30)};
  // After a submit's answer the read side may not know the job yet: 404/400 within this is
  // "keep polling" (the vendor's ComfyUI client waits 30 s).
  std::chrono::milliseconds warmup_grace{std::chrono::seconds(30)};
  int rate_limit_attempts = 4; // submits answered 429 (nothing created) before giving up
  std::shared_ptr<SubmitRegistry> submits = std::make_shared<SubmitRegistry>();
  LogSink log;                     // -v lines (redacted)
  std::function<bool()> cancelled; // true: stop waiting, throw Failure::interrupted
};

struct GenerateRequest {
  std::string model = kDefaultModel;
  std::string prompt;
  std::string image;     // https URL or data URI
  std::string end_image; // optional
  int duration = 6;
  bool prompt_expansion = false;
  std::string end_image_field = "end_image"; // the name the model's schema declares
  // The fields the model's schema declares; empty: the built-in set. Others are not sent.
  std::vector<std::string> declared_fields;

  // The flat JSON body of POST /model/generateVideo.
  std::string to_json() const;
  // SHA-256 (hex) of the body: what the journal records with the intent.
  std::string fingerprint() const;
};

// Handed to the caller before the billable POST leaves.
struct Intent {
  std::chrono::system_clock::time_point time;
  std::string fingerprint;
};

enum class SubmitOutcome {
  created, // the first POST answered with a prediction
  adopted, // an answer was lost; the job was found in /model/history
  resent   // an answer was lost, the history showed no job, the second POST answered
};

struct Submitted {
  Prediction prediction;
  SubmitOutcome outcome = SubmitOutcome::created;
  int posts = 0; // POSTs that left this process (at most 2; 2 only after a history miss)
};

// A submit that may have created a paid job which could not be identified: nothing is resent.
// `candidates` are the history's entries that could be it (empty when the history could not
// be read). exit 1; the caller adds how to attach one (`shotchain adopt`).
class UnconfirmedSubmit : public Error {
 public:
  UnconfirmedSubmit(std::string message, std::vector<std::string> candidates)
      : Error(Failure::runtime, std::move(message)), candidates_(std::move(candidates)) {}
  const std::vector<std::string>& candidates() const { return candidates_; }

 private:
  std::vector<std::string> candidates_;
};

// The service refused a submit because it could not fetch an input image (a storage URL that
// expired): no job was created; upload the image again and submit once more.
class ImageUnreachable : public Error {
 public:
  using Error::Error;
};

// What the history says about a lost submit.
struct HistorySearch {
  bool readable = false;              // the history answered with a list
  std::string why_unreadable;         // when not readable (scrubbed)
  std::vector<Prediction> candidates; // entries that could be this job, oldest first
  bool exact = false;                 // candidates echo the same inputs
};

class AtlasClient {
 public:
  explicit AtlasClient(AtlasConfig config); // throws bad_input for a bad base URL or key
  const AtlasConfig& config() const { return config_; }

  // POST /model/uploadMedia (multipart, part "file" with `filename` and `content_type`).
  Upload upload(const std::filesystem::path& file, const std::string& filename,
                const std::string& content_type) const;

  // True when a storage URL still serves (HEAD, else a one-byte ranged GET; no Authorization).
  // False for 4xx answers; a network failure counts as dead too (uploading again is cheap).
  bool url_alive(const std::string& url) const;

  // GET /models (no key): the catalogue. Throws runtime when it cannot be read.
  std::vector<ModelInfo> models() const;
  // GET <schema_url> (no key, any https host): components.schemas.Input. Throws runtime.
  ModelSchema schema(const std::string& schema_url) const;
  // GET <account base>/balance; nullopt when the endpoint does not answer usefully (absent,
  // unreadable, outage: the caller says so and goes on). Throws for 401 (the key).
  std::optional<Balance> balance() const;
  // The account base: api_base with a trailing /api/v1 replaced by /public/v1.
  std::string account_base() const;

  // POST /model/generateVideo under the money rule; on_intent runs before the first POST.
  Submitted generate(const GenerateRequest& request,
                     const std::function<void(const Intent&)>& on_intent) const;

  // GET /model/prediction/{id}. A failed task is returned (not thrown), even from a 5xx.
  // 404 throws refused ("unknown to this key").
  Prediction prediction(const std::string& id) const;

  // GET /model/history, newest first.
  std::vector<Prediction> history() const;

  // The entries that could be the job of `request` created after `after` (minus
  // history_skew): those echoing the same inputs, else those that echo none (blind), minus ids
  // other submits of this process received. Never throws for an unreadable history.
  HistorySearch find_in_history(const GenerateRequest& request,
                                std::chrono::system_clock::time_point after) const;

  // Polls until a terminal state (404/400 within warmup_grace of `submitted_at`, when given,
  // mean "not known yet": keep polling): returns a succeeded prediction with outputs, throws
  // refused with the service's error text for failed/canceled/timeout, runtime at the
  // deadline (naming the id so it can be fetched later). on_poll sees every answer.
  // Schedule: at once, then config.poll_learner's early polls (if it has learned a job
  // duration), then the normal backoff (initial, x growth, up to max) from there on.
  Prediction await(const std::string& id,
                   const std::function<void(const Prediction&)>& on_poll = {},
                   std::optional<std::chrono::steady_clock::time_point> submitted_at = {}) const;

  // Sleeps `d` in short slices; throws interrupted when the cancel flag is raised.
  void sleep_for(std::chrono::milliseconds d) const;

 private:
  HttpRequest api_request(const std::string& method, const std::string& path) const;
  HttpRequest public_request(const std::string& url) const; // no key (catalogue, schema)
  HttpResponse get_with_retries(HttpRequest request, const std::string& what,
                                bool prediction_call) const;
  std::optional<std::chrono::milliseconds> retry_after(const HttpResponse& r) const;
  // One poll of `await`: the prediction, or nullopt after a failure worth polling again (a
  // run-time failure, or the job not known yet just after its submit).
  std::optional<Prediction> poll_once(
      const std::string& id,
      std::optional<std::chrono::steady_clock::time_point> submitted_at) const;
  // After an ambiguous submit: the one job of the history that can be it (adopted), nullopt
  // when a readable history proves there is none and one more POST is allowed; otherwise
  // throws UnconfirmedSubmit.
  std::optional<Prediction> resolve_doubt(const GenerateRequest& request, const Intent& intent,
                                          const std::string& what, const std::string& doubt,
                                          bool accepted_without_id, bool resent) const;
  [[noreturn]] void throw_api_error(const std::string& what, const HttpResponse& r) const;
  void log(const std::string& line) const;

  AtlasConfig config_;
};

} // namespace shotchain::remote
