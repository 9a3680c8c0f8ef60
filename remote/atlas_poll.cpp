#include <algorithm>
#include <cstdio>

#include "common/scrub.h"
#include "remote/atlas.h"
#include "remote/atlas_answers.h"
#include "remote/url.h"

namespace shotchain::remote {

Prediction AtlasClient::prediction(const std::string& id) const {
  if (id.empty() || id.size() > 200 || has_header_breaking_chars(id) ||
      id.find_first_of("/?#% ") != std::string::npos)
    throw Error(Failure::bad_input, "prediction id '" + scrub(id, 80) + "': not a valid id");
  std::string what = "prediction " + id;
  HttpResponse r = get_with_retries(api_request("GET", "/model/prediction/" + id), what, true);
  if (!r.completed()) throw_api_error(what, r);
  if (r.status == 404 || r.status == 400)
    throw Error(Failure::refused, make_http_error(r.status),
                what + ": unknown to this key (HTTP " + std::to_string(r.status) + ")");
  PredictionAnswer a = read_prediction_answer(r.status, r.body);
  if (!a.ok) {
    if (a.status.ok()) throw Error(Failure::runtime, what + ": malformed answer (no status)");
    throw_api_error(what, r);
  }
  Prediction p = std::move(a.prediction);
  if (p.id.empty()) p.id = id;
  return p;
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

namespace {

using std::chrono::milliseconds;

// When to poll, as offsets from the start of an await: the learned early polls still ahead,
// else the normal schedule (initial, then each gap x growth up to max) after the last poll
// made; normal times already past are skipped, not caught up.
class PollSchedule {
 public:
  PollSchedule(const PollPolicy& policy, std::vector<milliseconds> early)
      : policy_(policy),
        early_(std::move(early)),
        next_normal_(policy.initial),
        delay_(policy.initial) {}

  milliseconds next_after(milliseconds since) {
    while (next_early_ < early_.size() && early_[next_early_] <= since) ++next_early_;
    milliseconds target;
    if (next_early_ < early_.size()) {
      target = early_[next_early_++];
    } else {
      while (next_normal_ <= since) advance_normal();
      target = next_normal_;
    }
    while (next_normal_ <= target) advance_normal();
    return target;
  }

 private:
  void advance_normal() {
    delay_ = std::min(policy_.max, milliseconds(static_cast<std::int64_t>(
                                       static_cast<double>(delay_.count()) * policy_.growth)));
    if (delay_.count() < 1) delay_ = milliseconds(1);
    next_normal_ += delay_;
  }

  const PollPolicy& policy_;
  std::vector<milliseconds> early_;
  std::size_t next_early_ = 0;
  milliseconds next_normal_, delay_;
};

[[noreturn]] void throw_deadline(const std::string& id, const std::string& last_status,
                                 std::chrono::steady_clock::duration waited) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f",
                std::chrono::duration_cast<milliseconds>(waited).count() / 1000.0);
  throw Error(Failure::runtime, make_curl_error(28),
              "prediction " + id + ": still " + (last_status.empty() ? "unknown" : last_status) +
                  " at the deadline (" + buf + " s); fetch it later with `shotchain prediction " +
                  id + "`");
}

} // namespace

std::optional<Prediction> AtlasClient::poll_once(
    const std::string& id,
    std::optional<std::chrono::steady_clock::time_point> submitted_at) const {
  try {
    return prediction(id);
  } catch (const Error& e) {
    // Just after the submit the service may not know the job yet (404/400): poll again.
    bool warming = submitted_at && e.failure() == Failure::refused &&
                   (e.code() == make_http_error(404) || e.code() == make_http_error(400)) &&
                   std::chrono::steady_clock::now() - *submitted_at < config_.warmup_grace;
    if (e.failure() != Failure::runtime && !warming) throw;
    log(std::string(warming ? "atlas: the job is not known yet, will poll again: "
                            : "atlas: poll failed, will poll again: ") +
        e.what());
    return std::nullopt;
  }
}

Prediction AtlasClient::await(
    const std::string& id, const std::function<void(const Prediction&)>& on_poll,
    std::optional<std::chrono::steady_clock::time_point> submitted_at) const {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + config_.poll.deadline;
  auto elapsed = [&] {
    return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
  };
  PollSchedule schedule(config_.poll, config_.poll_learner
                                          ? config_.poll_learner->early_polls(config_.poll)
                                          : std::vector<milliseconds>{});
  std::optional<milliseconds> last_running; // when the job was last seen unfinished
  std::string last_status;
  std::vector<std::string> unknown_logged;
  for (;;) {
    auto asked_at = elapsed(); // the job was unfinished before this if the answer says so
    std::optional<Prediction> p = poll_once(id, submitted_at);
    auto answered_at = elapsed(); // and finished by this if the answer says so
    if (p) {
      if (on_poll) on_poll(*p);
      bool known = true;
      auto state = classify_status(p->status, &known);
      if (!known && std::find(unknown_logged.begin(), unknown_logged.end(), p->status) ==
                        unknown_logged.end()) {
        unknown_logged.push_back(p->status);
        log("atlas: prediction " + id + ": unknown state '" + p->status + "', still polling");
      }
      if (p->status != last_status) log("atlas: prediction " + id + ": " + p->status);
      last_status = p->status;
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
                                          (p->error.empty() ? "" : ": " + p->error));
      last_running = asked_at;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) throw_deadline(id, last_status, now - start);
    auto since = elapsed();
    auto target = schedule.next_after(since);
    sleep_for(std::min(target - since, std::chrono::duration_cast<milliseconds>(deadline - now)));
  }
}

} // namespace shotchain::remote
