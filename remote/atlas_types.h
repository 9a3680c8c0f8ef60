#pragma once
// What the Atlas service answers, as plain values (shared/API.md): a job, an upload, a model of
// the catalogue with its input schema, the account balance. No curl or RapidJSON type here.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shotchain::remote {

inline constexpr const char* kDefaultApiBase = "https://api.atlascloud.ai/api/v1";
inline constexpr const char* kDefaultModel = "minimax/hailuo-02/standard";

enum class PredictionState { running, succeeded, failed };

// Per API.md; unknown words are `running` with *known = false.
PredictionState classify_status(std::string_view status, bool* known = nullptr);

struct Prediction {
  std::string id;     // scrubbed (outside text)
  std::string status; // scrubbed
  std::string model;
  std::vector<std::string> outputs; // raw URLs (a signed query is needed to fetch them)
  std::string error;                // the service's error text, scrubbed
  std::string created_at;
  std::string completed_at;
  double predict_time = 0;
  bool has_nsfw_contents = false;
  // Inputs, when the service echoes them (history entries): used to adopt a lost submit.
  std::string prompt;
  std::string image;

  PredictionState state() const { return classify_status(status); }
};

struct Upload {
  std::string download_url; // raw (may be signed)
  std::string file_name;
  std::string content_type;
  std::int64_t size = 0;
};

// One field of a model's input, from its OpenAPI schema (components.schemas.Input).
struct ModelField {
  std::string name;
  std::string type; // "string", "integer", "number", "boolean", ... ("" when not given)
  std::vector<std::string> enum_values; // as text ("6", "10", "768p")
  std::optional<double> minimum, maximum;
  std::optional<std::int64_t> max_length;
  bool required = false;
  std::string default_value; // as text, "" when none
  std::string description;
};

struct ModelSchema {
  std::vector<ModelField> fields; // in x-order-properties order when given
  const ModelField* field(std::string_view name) const;
  // The end frame's field name: "end_image" or "last_image" (whichever is declared), or "".
  std::string end_frame_field() const;
};

struct ModelInfo {
  std::string id;                     // `model`
  std::string type;                   // e.g. "Video"
  std::string display_name;           // `displayName`
  std::string schema_url;             // `schema`
  std::optional<double> price;        // price.actual.base_price, USD per run
  std::optional<double> origin_price; // price.origin.base_price
};

struct Balance {
  double available = 0; // `available.value`
  std::string currency; // "usd"
};

// Milliseconds since the epoch for created_at values (ISO 8601 with Z/offset, or epoch
// seconds/milliseconds as a number or string); nullopt when unparsable or out of range.
std::optional<std::int64_t> parse_timestamp_ms(std::string_view text);

} // namespace shotchain::remote
