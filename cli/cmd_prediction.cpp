// shotchain prediction / history: placeholder until the remote issue lands.
#include "cli/command.h"
#include "common/error.h"

namespace shotchain::cli {
void add_prediction_commands(CLI::App& root, const GlobalOptions&, Action& action) {
  for (const char* name : {"prediction", "history"}) {
    auto* sub = root.add_subcommand(name, "(not built yet)");
    sub->allow_extras();
    sub->callback(
        [&action] { action = []() -> int { throw Error(Failure::runtime, "not built yet"); }; });
  }
}
} // namespace shotchain::cli
