#pragma once
// Runs a program (the shotchain command, or ffmpeg/ffprobe as independent oracles) without a
// shell, capturing its exit code, stdout and stderr.
#include <map>
#include <string>
#include <vector>

namespace shotchain::test {

// This process's environment ("K=V" entries) with `extra` applied: set, or unset when the value
// is empty.
std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra);

struct RunResult {
  int exit_code = -1; // the process's exit status, or 128+signal when it was killed
  std::string out;
  std::string err;
};

// argv[0] is looked up on PATH. `env` entries are added to (or override) the environment;
// an entry with an empty value removes that variable.
RunResult run(const std::vector<std::string>& argv,
              const std::map<std::string, std::string>& env = {});

// The built shotchain command with `args`.
RunResult run_shotchain(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env = {});

// ffmpeg with -hide_banner -loglevel error -y prepended; fails the test when it fails.
void ffmpeg(const std::vector<std::string>& args);

// ffprobe -v error -of json <args> <file>: its JSON output.
std::string ffprobe_json(const std::vector<std::string>& args, const std::string& file);

// One value: ffprobe -v error -select_streams <stream> -show_entries <entry> -of csv=p=0.
std::string ffprobe_value(const std::string& file, const std::string& stream,
                          const std::string& entry);

} // namespace shotchain::test
