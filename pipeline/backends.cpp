#include "pipeline/backends.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/scrub.h"
#include "stages/generate_atlas.h"
#include "stages/preview_generator.h"

namespace shotchain::pipeline {

std::string find_api_key(const BackendChoice& choice) {
  if (!choice.api_key_file.empty()) {
    std::ifstream in(choice.api_key_file, std::ios::binary);
    if (!in)
      throw Error(Failure::bad_input, "--api-key-file " + choice.api_key_file + ": cannot read");
    std::ostringstream os;
    os << in.rdbuf();
    std::string key = os.str();
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' '))
      key.pop_back();
    if (key.empty())
      throw Error(Failure::bad_input, "--api-key-file " + choice.api_key_file + ": empty");
    register_secret(key); // no text scrubbed from here on can carry it
    return key;
  }
  const char* env = std::getenv("ATLASCLOUD_API_KEY");
  std::string key = env ? env : "";
  register_secret(key);
  return key;
}

std::shared_ptr<GenerationBackend> make_backend(const BackendChoice& choice) {
  std::string name = choice.name;
  std::string key = name == "preview" ? "" : find_api_key(choice);
  if (name.empty()) name = key.empty() ? "preview" : "atlas";
  if (name == "preview")
    return std::make_shared<preview::PreviewBackend>(preview::options_from_environment());
  if (name != "atlas")
    throw Error(Failure::bad_input, "--backend: \"" + name + "\" is not atlas or preview");
  if (key.empty())
    throw Error(Failure::bad_input,
                "--backend atlas: no API key (set ATLASCLOUD_API_KEY or --api-key-file)");
  remote::LogSink log;
  if (choice.verbosity >= 2)
    log = [](const std::string& line) { std::fprintf(stderr, "shotchain: %s\n", line.c_str()); };
  auto options = stages::atlas_options(choice.api_base, key, log);
  options.job_file = choice.job_file;
  return std::make_shared<stages::AtlasBackend>(options);
}

} // namespace shotchain::pipeline
