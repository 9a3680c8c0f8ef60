#include "stages/generate_catalogue.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/sha256.h"
#include "remote/atlas_answers.h"
#include "stages/cache_file.h"
#include "stages/generate_upload_cache.h"

namespace shotchain::stages {
namespace {

remote::ModelField field(std::string name, std::string type, bool required = false) {
  remote::ModelField f;
  f.name = std::move(name);
  f.type = std::move(type);
  f.required = required;
  return f;
}

} // namespace

std::optional<ModelFacts> builtin_model(const std::string& model) {
  const bool standard = model == "minimax/hailuo-02/standard";
  const bool fast = model == "minimax/hailuo-02/fast";
  if (!standard && !fast) return std::nullopt;
  ModelFacts m;
  m.info.id = model;
  m.info.type = "Video";
  m.info.display_name = standard ? "Hailuo 02 Standard" : "Hailuo 02 Fast";
  if (standard) m.info.price = 0.23; // the model page (API.md); the catalogue's figure wins
  auto prompt = field("prompt", "string", true);
  prompt.max_length = 2000;
  auto duration = field("duration", "integer");
  duration.enum_values = {"6", "10"};
  duration.default_value = "6";
  m.schema.fields = {prompt, field("image", "string", true)};
  if (standard) m.schema.fields.push_back(field("end_image", "string"));
  m.schema.fields.push_back(duration);
  m.schema.fields.push_back(field("enable_prompt_expansion", "boolean"));
  m.note = "the built-in table";
  return m;
}

std::filesystem::path default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "shotchain";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".cache" / "shotchain";
  return {};
}

ModelCatalogue::ModelCatalogue(std::filesystem::path cache_dir, std::chrono::seconds max_age)
    : dir_(std::move(cache_dir)), max_age_(max_age) {}

std::filesystem::path ModelCatalogue::cache_file(const remote::AtlasClient& client,
                                                 const std::string& what,
                                                 const std::string& key) const {
  if (dir_.empty()) return {};
  // Per API base: another base never reuses these answers.
  std::string h = sha256_hex(client.config().api_base + "\n" + key).substr(0, 24);
  return dir_ / "models" / (what + "-" + h + ".json");
}

// The cached answer body when the file is younger than max_age (its mtime says when).
std::optional<std::string> ModelCatalogue::cached(const std::filesystem::path& file) const {
  if (file.empty()) return std::nullopt;
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(file, ec);
  if (ec) return std::nullopt;
  auto age = std::filesystem::file_time_type::clock::now() - mtime;
  if (age > max_age_ || age < -std::chrono::hours(1)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in && !in.eof()) return std::nullopt;
  return ss.str();
}

ModelCatalogue::Loaded ModelCatalogue::load_catalogue(const remote::AtlasClient& client) {
  if (catalogue_) return *catalogue_;
  Loaded l;
  auto file = cache_file(client, "catalogue", "");
  if (auto body = cached(file)) {
    auto a = remote::read_catalogue_answer(200, *body);
    if (a.ok) {
      l.ok = true;
      l.models = std::move(a.models);
      return *(catalogue_ = l);
    }
  }
  try {
    l.models = client.models();
    l.ok = true;
    // The cache holds what we read, re-serialised by the reader's rules on the next load.
    std::string body = "{\"code\":200,\"data\":[";
    bool first = true;
    for (const auto& m : l.models) {
      auto q = [](const std::string& s) {
        std::string o = "\"";
        for (char c : s) {
          if (c == '"' || c == '\\') o += '\\';
          if (static_cast<unsigned char>(c) >= 0x20) o += c;
        }
        return o + "\"";
      };
      body += std::string(first ? "" : ",") + "{\"model\":" + q(m.id) + ",\"type\":" + q(m.type) +
              ",\"displayName\":" + q(m.display_name) + ",\"schema\":" + q(m.schema_url);
      if (m.price || m.origin_price) {
        body += ",\"price\":{";
        if (m.price) body += "\"actual\":{\"base_price\":\"" + std::to_string(*m.price) + "\"}";
        if (m.origin_price)
          body += std::string(m.price ? "," : "") + "\"origin\":{\"base_price\":\"" +
                  std::to_string(*m.origin_price) + "\"}";
        body += "}";
      }
      body += "}";
      first = false;
    }
    body += "]}";
    if (!file.empty()) {
      try {
        write_cache_file(file, body, "model catalogue");
      } catch (const Error&) {
        // A cache that cannot be written is only a cold cache next time.
      }
    }
  } catch (const Error& e) {
    if (e.failure() == Failure::interrupted) throw;
    l.ok = false;
    l.why = e.what();
  }
  return *(catalogue_ = l);
}

std::optional<remote::ModelSchema> ModelCatalogue::load_schema(const remote::AtlasClient& client,
                                                               const std::string& url,
                                                               std::string& why) {
  auto file = cache_file(client, "schema", url);
  if (auto body = cached(file)) {
    auto a = remote::read_schema_answer(200, *body);
    if (a.ok) return a.schema;
  }
  // Read the raw document once to keep it for the cache.
  try {
    auto schema = client.schema(url);
    if (!file.empty()) {
      std::string doc = "{\"components\":{\"schemas\":{\"Input\":{\"properties\":{";
      std::string required;
      bool first = true;
      for (const auto& f : schema.fields) {
        doc += std::string(first ? "" : ",") + "\"" + f.name + "\":{\"type\":\"" + f.type + "\"";
        if (!f.enum_values.empty()) {
          doc += ",\"enum\":[";
          for (std::size_t i = 0; i < f.enum_values.size(); ++i) {
            bool numeric = remote::parse_decimal(f.enum_values[i]).has_value();
            doc += (i ? "," : "") + (numeric ? f.enum_values[i] : "\"" + f.enum_values[i] + "\"");
          }
          doc += "]";
        }
        if (f.minimum) doc += ",\"minimum\":" + std::to_string(*f.minimum);
        if (f.maximum) doc += ",\"maximum\":" + std::to_string(*f.maximum);
        if (f.max_length) doc += ",\"maxLength\":" + std::to_string(*f.max_length);
        doc += "}";
        if (f.required) required += std::string(required.empty() ? "" : ",") + "\"" + f.name + "\"";
        first = false;
      }
      doc += "},\"required\":[" + required + "]}}}}";
      if (remote::read_schema_answer(200, doc).ok) {
        try {
          write_cache_file(file, doc, "model schema");
        } catch (const Error&) {
        }
      }
    }
    return schema;
  } catch (const Error& e) {
    if (e.failure() == Failure::interrupted) throw;
    why = e.what();
    return std::nullopt;
  }
}

ModelFacts ModelCatalogue::facts(const remote::AtlasClient& client, const std::string& model) {
  std::lock_guard<std::mutex> lock(mu_);
  Loaded cat = load_catalogue(client);
  if (cat.ok) {
    for (const auto& m : cat.models) {
      if (m.id != model) continue;
      ModelFacts f;
      f.info = m;
      std::string why;
      auto schema = m.schema_url.empty() ? std::nullopt : load_schema(client, m.schema_url, why);
      if (schema) {
        f.schema = std::move(*schema);
        f.from_service = true;
        return f;
      }
      // Listed, but its schema cannot be read: the built-in schema, the catalogue's price.
      auto b = builtin_model(model);
      std::optional<double> table_price = b ? b->info.price : std::nullopt;
      if (!b) b = builtin_model("minimax/hailuo-02/standard"); // the endpoint's common fields
      b->info = m;
      if (!b->info.price) b->info.price = table_price;
      b->note = "the built-in schema (the service's could not be read: " +
                (why.empty() ? std::string("none published") : why) + ")";
      return *b;
    }
    throw Error(Failure::bad_input,
                "model " + model + ": not in the service's catalogue (see `shotchain models`)");
  }
  auto b = builtin_model(model);
  if (!b) {
    // Offline and unknown here: the fields every model of the endpoint takes (API.md), no
    // price; the service itself judges the rest.
    b = builtin_model("minimax/hailuo-02/standard");
    b->info = remote::ModelInfo{};
    b->info.id = model;
    b->note = "the fields of the built-in table (the catalogue could not be read: " + cat.why +
              "; this model is not in the table, so it has no price on record)";
    return *b;
  }
  b->note = "the built-in table (the catalogue could not be read: " + cat.why + ")";
  return *b;
}

std::vector<ModelFacts> ModelCatalogue::all(const remote::AtlasClient& client, bool with_schemas) {
  std::vector<ModelFacts> out;
  Loaded cat;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cat = load_catalogue(client);
  }
  if (!cat.ok) {
    for (const char* id : {"minimax/hailuo-02/standard", "minimax/hailuo-02/fast"}) {
      auto b = builtin_model(id);
      b->note = "the built-in table (the catalogue could not be read: " + cat.why + ")";
      out.push_back(*b);
    }
    return out;
  }
  for (const auto& m : cat.models) {
    if (with_schemas) {
      out.push_back(facts(client, m.id));
    } else {
      ModelFacts f;
      f.info = m;
      f.from_service = true;
      out.push_back(f);
    }
  }
  return out;
}

void check_against_schema(const remote::ModelSchema& schema, const std::string& who,
                          const std::string& prompt, int duration, bool has_end_frame,
                          bool prompt_expansion) {
  if (has_end_frame && schema.end_frame_field().empty())
    throw Error(Failure::bad_input,
                who +
                    ": the model's schema declares no end frame (end_image or last_image); "
                    "drop the end image or choose another model");
  if (const auto* f = schema.field("prompt")) {
    if (f->max_length && static_cast<std::int64_t>(prompt.size()) > *f->max_length)
      throw Error(Failure::bad_input, who + ": the prompt is " + std::to_string(prompt.size()) +
                                          " characters; the model accepts at most " +
                                          std::to_string(*f->max_length));
  }
  if (const auto* f = schema.field("duration")) {
    std::string d = std::to_string(duration);
    if (!f->enum_values.empty() &&
        std::find(f->enum_values.begin(), f->enum_values.end(), d) == f->enum_values.end()) {
      std::string allowed;
      for (const auto& v : f->enum_values) allowed += (allowed.empty() ? "" : ", ") + v;
      throw Error(Failure::bad_input,
                  who + ": duration " + d + " is not one the model accepts (" + allowed + ")");
    }
    if ((f->minimum && duration < *f->minimum) || (f->maximum && duration > *f->maximum))
      throw Error(Failure::bad_input, who + ": duration " + d + " is outside the model's limits");
  } else if (duration != 6) {
    throw Error(Failure::bad_input,
                who + ": the model's schema declares no duration; only its default is possible");
  }
  if (prompt_expansion && !schema.field("enable_prompt_expansion"))
    throw Error(Failure::bad_input,
                who + ": the model's schema declares no enable_prompt_expansion");
}

} // namespace shotchain::stages
