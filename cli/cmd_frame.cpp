// shotchain frame: placeholder until its issue lands (returns exit 1 with a clear message).
#include "cli/command.h"
#include "common/error.h"

namespace shotchain::cli {
void add_frame_command(CLI::App& root, const GlobalOptions&, Action& action) {
  auto* sub = root.add_subcommand("frame", "(not built yet)");
  sub->allow_extras();
  sub->callback([&action] {
    action = []() -> int { throw Error(Failure::runtime, "frame: not built yet"); };
  });
}
} // namespace shotchain::cli
