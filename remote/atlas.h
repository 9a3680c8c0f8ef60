#pragma once
// The Atlas Cloud client (see shared/API.md): upload, generateVideo, prediction, history, and
// polling to a deadline. It speaks both envelopes, parses error bodies, retries idempotent
// calls by RetryPolicy, and follows the money rule for the billable submit: the intent is
// handed to the caller before the POST, and after an ambiguous failure the job is looked up
// in /model/history and adopted; only when the history shows none is the POST sent again,
// once. Failures throw shotchain::Error (bad_input, refused, runtime, interrupted); the API
// key never appears in a log line or an error message.
// No curl or RapidJSON type appears here; one client may be used from many threads.
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

#include "remote/http.h"
#include "remote/retry.h"

namespace shotchain::remote {

inline constexpr const char* kDefaultApiBase = "https://api.atlascloud.ai/api/v1";
inline constexpr const char* kDefaultModel = "minimax/hailuo-02/standard";

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
  LogSink log;                     // -v lines (redacted)
  std::function<bool()> cancelled; // true: stop waiting, throw Failure::interrupted
};

enum class PredictionState { running, succeeded, failed };

// Per API.md; unknown words are `running` with *known = false.
PredictionState classify_status(std::string_view status, bool* known = nullptr);

struct Prediction {
  std::string id;
  std::string status;
  std::string model;
  std::vector<std::string> outputs;
  std::string error; // the service's error text (key scrubbed)
  std::string created_at;
  std::string completed_at;
  double predict_time = 0;
  bool has_nsfw_contents = false;
  // Inputs, when the service echoes them (history entries): used to adopt a lost submit.
  std::string prompt;
  std::string image;

  PredictionState state() const { return classify_status(status); }
};

struct Upload {
  std::string download_url;
  std::string file_name;
  std::string content_type;
  std::int64_t size = 0;
};

struct GenerateRequest {
  std::string model = kDefaultModel;
  std::string prompt;
  std::string image;     // https URL or data URI
  std::string end_image; // optional
  int duration = 6;
  bool prompt_expansion = false;

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

// Milliseconds since the epoch for created_at values (ISO 8601 with Z/offset, or epoch
// seconds/milliseconds as a number or string); nullopt when unparsable.
std::optional<std::int64_t> parse_timestamp_ms(std::string_view text);

class AtlasClient {
 public:
  explicit AtlasClient(AtlasConfig config); // throws bad_input for a bad base URL or key
  const AtlasConfig& config() const { return config_; }

  // POST /model/uploadMedia (multipart, part "file" with `filename` and `content_type`).
  Upload upload(const std::filesystem::path& file, const std::string& filename,
                const std::string& content_type) const;

  // POST /model/generateVideo under the money rule; on_intent runs before the first POST.
  Submitted generate(const GenerateRequest& request,
                     const std::function<void(const Intent&)>& on_intent) const;

  // GET /model/prediction/{id}. A failed task is returned (not thrown), even from a 5xx.
  // 404 throws refused ("unknown to this key").
  Prediction prediction(const std::string& id) const;

  // GET /model/history, newest first.
  std::vector<Prediction> history() const;

  // The job matching `request` created after `after` (minus history_skew), if any. Throws
  // runtime when the history cannot be read.
  std::optional<Prediction> find_in_history(const GenerateRequest& request,
                                            std::chrono::system_clock::time_point after) const;

  // Polls until a terminal state: returns a succeeded prediction with outputs, throws
  // refused with the service's error text for failed/canceled/timeout, runtime at the
  // deadline (naming the id so it can be fetched later). on_poll sees every answer.
  // Schedule: at once, then config.poll_learner's early polls (if it has learned a job
  // duration), then the normal backoff (initial, x growth, up to max) from there on.
  Prediction await(const std::string& id,
                   const std::function<void(const Prediction&)>& on_poll = {}) const;

  // Sleeps `d` in short slices; throws interrupted when the cancel flag is raised.
  void sleep_for(std::chrono::milliseconds d) const;

 private:
  HttpRequest api_request(const std::string& method, const std::string& path) const;
  HttpResponse get_with_retries(const std::string& path, const std::string& what,
                                bool prediction_call) const;
  void log(const std::string& line) const;

  AtlasConfig config_;
};

} // namespace shotchain::remote
