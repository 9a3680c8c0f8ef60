#pragma once
// What every subcommand file shares: the global options and the way a subcommand hands
// main() the work to run once parsing has succeeded.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace shotchain::cli {

struct GlobalOptions {
  std::string api_base;     // --api-base, else env ATLASCLOUD_API_BASE, else the service's
  std::string api_key_file; // --api-key-file, else env ATLASCLOUD_API_KEY
  std::string backend;      // atlas | preview | "" (atlas when a key is present)
  bool json = false;        // one JSON event per line on stdout
  int verbosity = 1;        // 0 with -q, 2 with -v
};

// Set by the chosen subcommand's parse callback; returns the process exit code.
using Action = std::function<int()>;

void add_probe_command(CLI::App& root, const GlobalOptions& global, Action& action);
void add_frame_command(CLI::App& root, const GlobalOptions& global, Action& action);
void add_convert_command(CLI::App& root, const GlobalOptions& global, Action& action);
void add_stitch_command(CLI::App& root, const GlobalOptions& global, Action& action);
void add_generate_command(CLI::App& root, const GlobalOptions& global, Action& action);
void add_prediction_commands(CLI::App& root, const GlobalOptions& global, Action& action);
void add_extend_command(CLI::App& root, const GlobalOptions& global, Action& action);
void add_run_command(CLI::App& root, const GlobalOptions& global, Action& action);
void add_adopt_command(CLI::App& root, const GlobalOptions& global, Action& action);
void add_models_command(CLI::App& root, const GlobalOptions& global, Action& action);
void add_scenes_command(CLI::App& root, const GlobalOptions& global, Action& action);
void add_storyboard_command(CLI::App& root, const GlobalOptions& global, Action& action);

} // namespace shotchain::cli
