// Entry point: parse, run the chosen subcommand, map errors to the documented exit codes.
#include <cstdio>
#include <exception>

#include "cli/command.h"
#include "common/error.h"

int main(int argc, char** argv) {
  using namespace shotchain;
  CLI::App root{
      "shotchain: reference frames, image-to-video generation and NLE-ready "
      "sequences"};
  root.require_subcommand(1);
  root.fallthrough(); // global options may follow the subcommand
  cli::GlobalOptions global;
  root.add_option("--api-base", global.api_base, "Service base URL (env ATLASCLOUD_API_BASE)");
  root.add_option("--api-key-file", global.api_key_file,
                  "File holding the API key (else env ATLASCLOUD_API_KEY)");
  root.add_option("--backend", global.backend, "atlas or preview (default: atlas with a key)")
      ->check(CLI::IsMember({"atlas", "preview"}));
  root.add_flag("--json", global.json, "One JSON event per line on stdout");
  root.add_flag_function(
      "-q,--quiet", [&](std::int64_t) { global.verbosity = 0; }, "Quiet");
  root.add_flag_function(
      "-v,--verbose", [&](std::int64_t) { global.verbosity = 2; }, "Verbose (secrets redacted)");

  cli::Action action;
  cli::add_probe_command(root, global, action);
  cli::add_frame_command(root, global, action);
  cli::add_convert_command(root, global, action);
  cli::add_stitch_command(root, global, action);
  cli::add_generate_command(root, global, action);
  cli::add_prediction_commands(root, global, action);
  cli::add_extend_command(root, global, action);
  cli::add_run_command(root, global, action);
  cli::add_adopt_command(root, global, action);
  cli::add_models_command(root, global, action);
  cli::add_scenes_command(root, global, action);
  cli::add_storyboard_command(root, global, action);

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "shotchain: %s\n", e.what());
    return static_cast<int>(Failure::bad_input);
  }
  if (!action) return static_cast<int>(Failure::bad_input);
  try {
    return action();
  } catch (const Error& e) {
    std::fprintf(stderr, "shotchain: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shotchain: %s\n", e.what());
    return static_cast<int>(Failure::runtime);
  }
}
