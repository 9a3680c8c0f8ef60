#pragma once
// The QC report: the stitch Result as JSON (per clip, per join, the sequence).
#include <string>

#include "stages/stitch/stitch.h"

namespace shotchain::stitch {

std::string qc_report_json(const Result& result);

} // namespace shotchain::stitch
