#include "pipeline/balance_check.h"

#include <algorithm>
#include <cstdio>

#include "common/error.h"
#include "pipeline/journal.h"
#include "stages/generate_atlas.h"

namespace shotchain::pipeline {
namespace {

std::string usd(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "$%.2f", v);
  return buf;
}

void say(ProgressSink* sink, const std::string& text) {
  if (!sink) return;
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::log;
  e.stage = "balance";
  e.message = text;
  sink->on_event(e);
}

// USD per run of `model` at `duration` by the catalogue: its price is that of a default (6 s)
// run; a 10 s run costs the table's figure when it has one, else the same price per second.
std::optional<double> per_run_price(const stages::ModelFacts& facts, const std::string& model,
                                    int duration) {
  std::optional<double> per_run = facts.info.price;
  if (per_run && duration != 6) {
    auto table = price_per_generation(model, duration);
    per_run = table ? *table : *per_run * duration / 6.0;
  }
  return per_run;
}

} // namespace

void price_plan_from_catalogue(Plan& plan, GenerationBackend& backend) {
  auto* atlas = dynamic_cast<stages::AtlasBackend*>(&backend);
  if (!atlas || !backend.paid()) return;
  bool all_from_service = true;
  std::string fallback;
  double total = 0;
  std::vector<std::string> unpriced;
  for (auto& s : plan.shots) {
    std::optional<double> unit;
    try {
      auto facts = atlas->model_facts(s.model);
      unit = per_run_price(facts, s.model, s.duration);
      if (!facts.from_service) {
        all_from_service = false;
        fallback = facts.note;
      }
    } catch (const Error& e) {
      if (e.failure() != Failure::runtime) throw;
      unit = price_per_generation(s.model, s.duration);
      all_from_service = false;
      fallback = "the built-in table";
    }
    s.price = unit ? std::optional<double>(*unit * s.segments) : std::nullopt;
    if (s.price)
      total += *s.price;
    else if (std::find(unpriced.begin(), unpriced.end(), s.model) == unpriced.end())
      unpriced.push_back(s.model);
  }
  plan.known_price = total;
  plan.unpriced_models = unpriced;
  plan.price = unpriced.empty() ? std::optional<double>(total) : std::nullopt;
  plan.price_source = all_from_service ? "the service's catalogue" : fallback;
}

void check_balance(const std::vector<PaidRuns>& runs, GenerationBackend& backend,
                   ProgressSink* sink) {
  auto* atlas = dynamic_cast<stages::AtlasBackend*>(&backend);
  if (!atlas || !backend.paid()) return;
  double total = 0;
  int count = 0;
  std::string source;
  for (const auto& r : runs) {
    if (r.runs <= 0) continue;
    auto facts = atlas->model_facts(r.model);
    std::optional<double> per_run = per_run_price(facts, r.model, r.duration);
    if (!per_run) {
      say(sink, "model " + r.model + ": no price on record; the balance is not checked");
      return;
    }
    total += *per_run * r.runs;
    count += r.runs;
    source = facts.from_service ? "the service's catalogue" : facts.note;
  }
  if (count == 0) return;
  StageContext ctx;
  auto balance = atlas->client(ctx).balance();
  if (!balance) {
    say(sink, "the account balance could not be read; not checked");
    return;
  }
  if (balance->available + 1e-9 < total)
    throw Error(Failure::bad_input, "the plan costs " + usd(total) + " (" + std::to_string(count) +
                                        " generations, prices from " + source +
                                        ") but the account's available "
                                        "balance is " +
                                        usd(balance->available) +
                                        "; nothing was uploaded or spent");
  say(sink, "balance " + usd(balance->available) + " covers the plan's " + usd(total));
}

void check_balance(const Plan& plan, GenerationBackend& backend, const Journal* journal,
                   ProgressSink* sink) {
  if (!backend.paid()) return;
  std::vector<PaidRuns> runs;
  for (const auto& s : plan.shots) {
    int to_pay = s.segments;
    if (journal) {
      if (auto rec = journal->load(s.id)) {
        for (const auto& seg : rec->segments)
          if (seg.status != SegmentRecord::Status::pending && to_pay > 0) --to_pay;
      }
    }
    runs.push_back(PaidRuns{s.model, s.duration, to_pay});
  }
  check_balance(runs, backend, sink);
}

} // namespace shotchain::pipeline
