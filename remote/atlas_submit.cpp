// The billable submit (POST /model/generateVideo) and its money rule (API.md "Money rules"):
//  - the intent goes to the caller before the POST;
//  - a 2xx answer is never followed by another POST, whatever its body; without a readable id
//    it is "submitted, id unknown" and handled like a lost answer, never resent;
//  - a refusal that proves nothing was created (4xx with an error body) ends the attempt; 429
//    proves it too: wait (Retry-After, capped) and send again, a bounded number of times;
//  - after an ambiguous failure the history is read: exactly one entry that can be this job
//    is adopted; a second POST only when a readable history shows none (and only once);
//    otherwise UnconfirmedSubmit (exit 1) listing the candidates.
#include <algorithm>
#include <cctype>

#include "common/scrub.h"
#include "remote/atlas.h"
#include "remote/atlas_answers.h"
#include "remote/url.h"

namespace shotchain::remote {
namespace {

// What a submit answer means under the money rule.
enum class Verdict { created, failed_task, accepted_without_id, rate_limited, refused, ambiguous };

Verdict judge(const SubmitAnswer& a) {
  if (a.accepted && !a.id.empty() && !a.failed_task) return Verdict::created;
  if (a.failed_task) return Verdict::failed_task;
  long code = a.status.code;
  if (a.accepted) {
    // A 2xx is never sent again: a refusal written in its body ends the attempt, anything
    // else is "submitted, id unknown".
    bool refusal = code >= 400 && code < 500 && code != 408 && code != 429;
    return refusal ? Verdict::refused : Verdict::accepted_without_id;
  }
  if (code == 429) return Verdict::rate_limited;
  if ((code >= 400 && code < 500 && code != 408) || (code >= 300 && code < 400))
    return Verdict::refused;
  return Verdict::ambiguous; // 408, 5xx: the job may exist
}

// A body describing a failed job: a job exists and failed (exit 3 with its reason).
[[noreturn]] void throw_failed_task(const std::string& what, const SubmitAnswer& a) {
  std::string reason = a.prediction.error.empty() ? a.status.message : a.prediction.error;
  throw Error(Failure::refused, make_http_error(a.status.code),
              what + ": prediction " + (a.id.empty() ? "?" : a.id) + " " + a.prediction.status +
                  (reason.empty() ? "" : ": " + reason));
}

// The service's words when it could not fetch an input image (an expired storage URL).
bool says_image_unreachable(const SubmitAnswer& a) {
  if (a.status.code != 400 && a.status.code != 422) return false;
  std::string m(a.status.message);
  for (auto& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool verb = m.find("fetch") != std::string::npos || m.find("download") != std::string::npos ||
              m.find("retriev") != std::string::npos || m.find("access") != std::string::npos ||
              m.find("expired") != std::string::npos;
  bool noun = m.find("image") != std::string::npos || m.find("url") != std::string::npos;
  return verb && noun;
}

std::string join_ids(const std::vector<Prediction>& ps) {
  std::string s;
  for (const auto& p : ps) s += (s.empty() ? "" : ", ") + p.id;
  return s;
}

// The one entry that can be this job: one echoing the same inputs, or the only blind entry
// while no other submit of this process is in flight.
bool may_adopt(const HistorySearch& found, const SubmitRegistry* submits) {
  bool others_in_flight = submits && submits->in_flight() > 1;
  return found.candidates.size() == 1 && (found.exact || !others_in_flight);
}

// A second POST only when a readable history proves no job, never after a 2xx, once.
bool may_resend(const HistorySearch& found, bool accepted_without_id, bool resent) {
  return found.readable && found.candidates.empty() && !accepted_without_id && !resent;
}

// Stops a submit that may have created a job which cannot be identified (exit 1).
[[noreturn]] void throw_unconfirmed(const std::string& what, const std::string& doubt,
                                    const HistorySearch& found, bool accepted_without_id) {
  std::string why;
  if (!found.readable)
    why = "the history could not be read (" + found.why_unreadable + ")";
  else if (found.candidates.empty())
    why = accepted_without_id ? "the answer was a success, so it is not sent again"
                              : "a second submit was not answered either";
  else
    why = std::to_string(found.candidates.size()) + " jobs in the history could be it (" +
          join_ids(found.candidates) + ")";
  std::vector<std::string> ids;
  for (const auto& p : found.candidates) ids.push_back(p.id);
  throw UnconfirmedSubmit(scrub(what + ": the submit may have created a paid job (" + doubt +
                                    ") and " + why + "; it was not resent",
                                1500),
                          std::move(ids));
}

// Keeps the registry's in-flight count right on every exit path.
class InFlight {
 public:
  explicit InFlight(SubmitRegistry* r) : r_(r) {
    if (r_) r_->begin();
  }
  ~InFlight() {
    if (r_) r_->end(id_);
  }
  void done(const std::string& id) { id_ = id; }

 private:
  SubmitRegistry* r_;
  std::string id_;
};

} // namespace

std::optional<Prediction> AtlasClient::resolve_doubt(const GenerateRequest& request,
                                                     const Intent& intent, const std::string& what,
                                                     const std::string& doubt,
                                                     bool accepted_without_id, bool resent) const {
  log("atlas: " + what + ": no usable answer (" + doubt + "); looking for the job in the history");
  HistorySearch found = find_in_history(request, intent.time);
  if (may_adopt(found, config_.submits.get())) {
    log("atlas: adopted " + found.candidates.front().id + " from the history");
    return std::move(found.candidates.front());
  }
  if (may_resend(found, accepted_without_id, resent)) return std::nullopt;
  throw_unconfirmed(what, doubt, found, accepted_without_id);
}

Submitted AtlasClient::generate(const GenerateRequest& request,
                                const std::function<void(const Intent&)>& on_intent) const {
  if (request.model.empty() || request.model.find_first_of(" \r\n\t") != std::string::npos)
    throw Error(Failure::bad_input, "model '" + scrub(request.model, 80) + "': not a model id");
  Intent intent{std::chrono::system_clock::now(), request.fingerprint()};
  if (on_intent) on_intent(intent);
  InFlight in_flight(config_.submits.get());
  const std::string body = request.to_json();
  const std::string what = "generate (" + request.model + ")";
  Backoff backoff(config_.retry);
  Submitted result;
  bool resent = false;
  int unsent_failures = 0;
  int rate_limited = 0;
  for (;;) {
    HttpRequest req = api_request("POST", "/model/generateVideo");
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body;
    HttpResponse r = perform(req);
    if (r.request_sent) ++result.posts;
    bool accepted_without_id = false;
    std::string doubt;
    if (r.completed()) {
      SubmitAnswer a = read_submit_answer(r.status, r.body);
      switch (judge(a)) {
        case Verdict::created:
          result.prediction = std::move(a.prediction);
          if (result.prediction.status.empty()) result.prediction.status = "created";
          if (result.prediction.model.empty()) result.prediction.model = request.model;
          result.outcome = resent ? SubmitOutcome::resent : SubmitOutcome::created;
          in_flight.done(result.prediction.id);
          log("atlas: submitted " + result.prediction.id);
          return result;
        case Verdict::failed_task:
          in_flight.done(a.id);
          throw_failed_task(what, a);
        case Verdict::accepted_without_id:
          accepted_without_id = true;
          doubt = "HTTP " + std::to_string(r.status) + " without a readable job id";
          break;
        case Verdict::rate_limited: {
          // Nothing was created: wait and send again, a bounded number of times.
          if (++rate_limited >= config_.rate_limit_attempts) throw_api_error(what, r);
          auto wait = backoff.next(rate_limited, retry_after(r));
          log("atlas: " + what + ": rate limited (HTTP 429), sending again in " +
              std::to_string(wait.count()) + " ms");
          sleep_for(wait);
          continue;
        }
        case Verdict::refused: // a clear refusal: nothing was created
          if (says_image_unreachable(a))
            throw ImageUnreachable(Failure::refused, make_http_error(a.status.code),
                                   what + ": the service could not fetch an input image (HTTP " +
                                       std::to_string(a.status.code) + ": " + a.status.message +
                                       ")");
          throw_api_error(what, r);
        case Verdict::ambiguous:
          doubt = "HTTP " + std::to_string(a.status.code) +
                  (a.status.message.empty() ? "" : ": " + a.status.message);
          break;
      }
    } else if (r.aborted_by_caller && config_.cancelled && config_.cancelled()) {
      // Cancelled mid-request: the job may exist; the journal's intent lets a resume adopt it.
      throw Error(Failure::interrupted, what + ": interrupted while submitting");
    } else if (!r.request_sent) {
      // Surely not sent (connect or DNS failure): nothing can have been created.
      if (++unsent_failures >= config_.retry.max_attempts) throw_api_error(what, r);
      sleep_for(backoff.next(unsent_failures));
      continue;
    } else {
      doubt = scrub(r.error_text, 300);
    }
    // Ambiguous: the request went out and no usable answer came back.
    if (auto adopted = resolve_doubt(request, intent, what, doubt, accepted_without_id, resent)) {
      result.prediction = std::move(*adopted);
      result.outcome = SubmitOutcome::adopted;
      in_flight.done(result.prediction.id);
      return result;
    }
    resent = true;
    auto wait = backoff.next(1, retry_after(r));
    log("atlas: the history shows no job; sending once more in " + std::to_string(wait.count()) +
        " ms");
    sleep_for(wait);
  }
}

} // namespace shotchain::remote
