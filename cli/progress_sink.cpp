#include "cli/progress_sink.h"

#include <unistd.h>

#include <cstdio>

#include "pipeline/progress_sinks.h"

namespace shotchain::cli {

std::unique_ptr<ProgressSink> make_progress_sink(const GlobalOptions& global, bool live) {
  if (global.json) return std::make_unique<pipeline::JsonLinesSink>(stdout);
  if (live && isatty(fileno(stderr)) && global.verbosity > 0)
    return std::make_unique<pipeline::TerminalSink>(stderr);
  return std::make_unique<pipeline::LogLineSink>(stderr, global.verbosity);
}

} // namespace shotchain::cli
