// shotchain convert: placeholder until its issue lands (returns exit 1 with a clear message).
#include "cli/command.h"
#include "common/error.h"

namespace shotchain::cli {
void add_convert_command(CLI::App& root, const GlobalOptions&, Action& action) {
  auto* sub = root.add_subcommand("convert", "(not built yet)");
  sub->allow_extras();
  sub->callback([&action] {
    action = []() -> int { throw Error(Failure::runtime, "convert: not built yet"); };
  });
}
} // namespace shotchain::cli
