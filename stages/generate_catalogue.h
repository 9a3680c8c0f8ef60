#pragma once
// The model catalogue and each model's input schema (API.md "The model's own schema"), read
// before the first paid call: from a cache younger than a day (per API base), else from the
// service (no key), else the built-in table, marked as such (offline, or the service does not
// publish it). What is sent and what is refused locally follows the schema: the end frame's
// field name, durations, prompt length.
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "remote/atlas.h"

namespace shotchain::stages {

struct ModelFacts {
  remote::ModelInfo info;
  remote::ModelSchema schema;
  bool from_service = false; // false: the built-in table
  std::string note;          // why the built-in table is used ("" when from the service)
};

// The built-in table (known models of API.md); nullopt for a model it does not know.
std::optional<ModelFacts> builtin_model(const std::string& model);

class ModelCatalogue {
 public:
  // `cache_dir` "" keeps nothing on disk.
  explicit ModelCatalogue(std::filesystem::path cache_dir = {},
                          std::chrono::seconds max_age = std::chrono::hours(24));

  // The facts for `model`. Throws bad_input when the service's catalogue does not list it (or,
  // offline, the built-in table does not know it).
  ModelFacts facts(const remote::AtlasClient& client, const std::string& model);
  // Every model of the catalogue (schemas read for `with_schemas` only).
  std::vector<ModelFacts> all(const remote::AtlasClient& client, bool with_schemas);

 private:
  struct Loaded {
    bool ok = false;
    std::string why; // when not ok
    std::vector<remote::ModelInfo> models;
  };
  Loaded load_catalogue(const remote::AtlasClient& client);
  std::optional<remote::ModelSchema> load_schema(const remote::AtlasClient& client,
                                                 const std::string& url, std::string& why);
  std::filesystem::path cache_file(const remote::AtlasClient& client, const std::string& what,
                                   const std::string& key) const;
  std::optional<std::string> cached(const std::filesystem::path& file) const;

  std::filesystem::path dir_;
  std::chrono::seconds max_age_;
  std::mutex mu_;
  std::optional<Loaded> catalogue_;
};

// $XDG_CACHE_HOME/shotchain (else ~/.cache/shotchain, else "").
std::filesystem::path default_cache_dir();

// Checks `request`-side values against the schema: the end frame (a declared field, else
// bad_input), duration (enum/min/max), prompt (maxLength), prompt expansion (declared or not
// asked). `who` names the shot. Throws Error(bad_input).
void check_against_schema(const remote::ModelSchema& schema, const std::string& who,
                          const std::string& prompt, int duration, bool has_end_frame,
                          bool prompt_expansion);

} // namespace shotchain::stages
