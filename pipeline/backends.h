#pragma once
// Choosing the generation backend (public header): `atlas` when an API key is available,
// otherwise `preview` (offline). `--backend atlas` without a key is a usage error.
#include <memory>
#include <string>

#include "stages/stage.h"

namespace shotchain::pipeline {

struct BackendChoice {
  std::string name;         // "atlas", "preview" or "" (atlas when a key is present)
  std::string api_base;     // "" : env ATLASCLOUD_API_BASE, else the service
  std::string api_key_file; // "" : env ATLASCLOUD_API_KEY
  int verbosity = 1;
  const CancelToken* cancel = nullptr;
  std::string job_file; // the job spec being run: named in `shotchain adopt` hints
};

// The key from api_key_file or the environment ("" when none). Throws bad_input when the
// named file cannot be read or is empty.
std::string find_api_key(const BackendChoice& choice);

std::shared_ptr<GenerationBackend> make_backend(const BackendChoice& choice);

} // namespace shotchain::pipeline
