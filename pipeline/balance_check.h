#pragma once
// The balance pre-flight (API.md "Money rules"): before the first paid call of a run, the
// account balance is read (when the endpoint answers) and compared with the price of the
// generations still to pay (the catalogue's price per run, else the built-in table's). A plan
// the balance cannot cover stops with Error(bad_input) (exit 2) naming both figures, before
// anything is uploaded or spent.
#include <string>
#include <vector>

#include "pipeline/plan.h"
#include "stages/stage.h"

namespace shotchain::pipeline {

class Journal;

struct PaidRuns {
  std::string model;
  int duration = 6;
  int runs = 0;
};

// Does nothing for a backend that does not spend (preview). `journal` (may be null) tells
// which segments are done or already submitted (not paid again). Progress lines go to `sink`.
void check_balance(const Plan& plan, GenerationBackend& backend, const Journal* journal,
                   ProgressSink* sink);

// Replaces the plan's prices with the catalogue's (price.actual.base_price per run) for a
// paying backend, and names the source; models the catalogue cannot price keep the table's.
void price_plan_from_catalogue(Plan& plan, GenerationBackend& backend);

// The same for explicit runs (`shotchain generate`).
void check_balance(const std::vector<PaidRuns>& runs, GenerationBackend& backend,
                   ProgressSink* sink);

} // namespace shotchain::pipeline
