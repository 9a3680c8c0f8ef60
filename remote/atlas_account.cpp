// What the client reads besides jobs: the model catalogue and schemas (no key), the account
// balance, and the history of past jobs (used to find the job of a lost submit).
#include "common/scrub.h"
#include "remote/atlas.h"
#include "remote/atlas_answers.h"
#include "remote/url.h"

namespace shotchain::remote {

std::string AtlasClient::account_base() const {
  const std::string tail = "/api/v1";
  const std::string& b = config_.api_base;
  if (b.size() >= tail.size() && b.compare(b.size() - tail.size(), tail.size(), tail) == 0)
    return b.substr(0, b.size() - tail.size()) + "/public/v1";
  return b;
}

std::vector<ModelInfo> AtlasClient::models() const {
  HttpResponse r =
      get_with_retries(public_request(config_.api_base + "/models"), "catalogue", false);
  if (!r.completed()) throw_api_error("catalogue", r);
  CatalogueAnswer a = read_catalogue_answer(r.status, r.body);
  if (!a.ok) {
    if (a.status.ok()) throw Error(Failure::runtime, "catalogue: malformed answer (no list)");
    throw_api_error("catalogue", r);
  }
  return a.models;
}

ModelSchema AtlasClient::schema(const std::string& schema_url) const {
  std::string what = "schema " + redact_url(scrub(schema_url, 500));
  if (auto why = url_policy_violation(schema_url);
      !why.empty() || has_header_breaking_chars(schema_url))
    throw Error(Failure::runtime, what + ": refused (" + why + ")");
  HttpResponse r = get_with_retries(public_request(schema_url), what, false);
  if (!r.completed()) throw_api_error(what, r);
  SchemaAnswer a = read_schema_answer(r.status, r.body);
  if (!a.ok) {
    if (r.status >= 200 && r.status < 300)
      throw Error(Failure::runtime, what + ": no components.schemas.Input in the document");
    throw_api_error(what, r);
  }
  return a.schema;
}

std::optional<Balance> AtlasClient::balance() const {
  HttpRequest req = public_request(account_base() + "/balance");
  req.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  HttpResponse r = get_with_retries(req, "balance", false);
  if (r.completed() && r.status == 401) throw_api_error("balance", r);
  if (!r.completed()) {
    log("atlas: balance: " + r.error_text + "; not checked");
    return std::nullopt;
  }
  BalanceAnswer a = read_balance_answer(r.status, r.body);
  if (!a.ok) {
    log("atlas: balance: HTTP " + std::to_string(r.status) + ", not readable; not checked");
    return std::nullopt;
  }
  return a.balance;
}

std::vector<Prediction> AtlasClient::history() const {
  HttpResponse r = get_with_retries(api_request("GET", "/model/history"), "history", false);
  if (!r.completed()) throw_api_error("history", r);
  HistoryAnswer a = read_history_answer(r.status, r.body);
  if (!a.ok) {
    if (a.status.ok()) throw Error(Failure::runtime, "history: malformed answer (no list)");
    throw_api_error("history", r);
  }
  return a.items;
}

HistorySearch AtlasClient::find_in_history(const GenerateRequest& request,
                                           std::chrono::system_clock::time_point after) const {
  HistorySearch out;
  std::vector<Prediction> items;
  try {
    items = history();
  } catch (const Error& e) {
    if (e.failure() == Failure::interrupted) throw;
    out.why_unreadable = e.what();
    return out;
  }
  out.readable = true;
  auto after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      (after - config_.history_skew).time_since_epoch())
                      .count();
  std::vector<Prediction> exact, blind;
  for (auto& p : items) {
    if (p.id.empty() || p.model != request.model) continue;
    auto created = parse_timestamp_ms(p.created_at);
    // No readable time: it may be this job (unknown time zone or format): a blind candidate.
    if (created && *created < after_ms) continue;
    if (p.prompt.empty() && p.image.empty()) {
      // An entry that does not echo its inputs, whose id another submit of this process
      // received, is that submit's job.
      if (!(config_.submits && config_.submits->known(p.id))) blind.push_back(std::move(p));
      continue;
    }
    if (created && p.prompt == request.prompt && p.image == request.image)
      exact.push_back(std::move(p));
  }
  // Newest first in the answer: oldest first here (the first POST's job leads).
  out.exact = !exact.empty();
  out.candidates = out.exact ? std::move(exact) : std::move(blind);
  std::reverse(out.candidates.begin(), out.candidates.end());
  return out;
}

} // namespace shotchain::remote
