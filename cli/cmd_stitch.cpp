// shotchain stitch: placeholder until its issue lands (returns exit 1 with a clear message).
#include "cli/command.h"
#include "common/error.h"

namespace shotchain::cli {
void add_stitch_command(CLI::App& root, const GlobalOptions&, Action& action) {
  auto* sub = root.add_subcommand("stitch", "(not built yet)");
  sub->allow_extras();
  sub->callback([&action] {
    action = []() -> int { throw Error(Failure::runtime, "stitch: not built yet"); };
  });
}
} // namespace shotchain::cli
