#pragma once
// The progress sink a command's output calls for: one JSON event per line on stdout with
// --json; with `live` (job commands) and stderr a terminal, one live line per shot; otherwise
// plain log lines on stderr at the chosen verbosity.
#include <memory>

#include "cli/command.h"
#include "stages/stage.h"

namespace shotchain::cli {

std::unique_ptr<ProgressSink> make_progress_sink(const GlobalOptions& global, bool live);

} // namespace shotchain::cli
