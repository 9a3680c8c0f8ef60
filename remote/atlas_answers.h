#pragma once
// Reading what the service answers, as plain functions of (HTTP status, body): no network, so
// tests and fuzz targets call them directly. Tolerant in what they accept (API.md "Reading
// answers": both envelopes, every id and output key the vendor's clients have seen), bounded
// (every body goes through json::parse), and every text that came from the peer and may be
// shown (ids, status words, error texts) is passed through shotchain::scrub. URLs the client
// must fetch (uploads, outputs) are kept raw: redact them before showing them.
#include <string>
#include <string_view>
#include <vector>

#include "remote/atlas_types.h"

namespace shotchain::remote {

// What any answer says about success: the HTTP status, the envelope's `code`, and the error
// text (`msg`, `message` or `error`, which may be an object).
struct AnswerStatus {
  long http_status = 0;
  long code = 0;        // the effective code: the HTTP status when >= 400, else the envelope's
  bool json_ok = false; // the body is JSON
  bool html = false;    // the body is an HTML page (an edge/CDN block, not the service)
  std::string message;  // scrubbed, one line
  bool ok() const { return json_ok && code >= 200 && code < 300; }
};
AnswerStatus read_answer_status(long http_status, std::string_view body);

struct SubmitAnswer {
  AnswerStatus status;
  // A 2xx answer: never followed by another submit, whatever else the body says (an
  // envelope code of 4xx inside it is a refusal written in the body: status.code says so).
  bool accepted = false;
  std::string id;           // "" when no id could be read ("submitted, id unknown")
  Prediction prediction;    // what the answer describes
  bool failed_task = false; // a body describing a failed job (a job exists, it failed)
};
SubmitAnswer read_submit_answer(long http_status, std::string_view body);

struct PredictionAnswer {
  AnswerStatus status;
  bool ok = false;          // a readable job with a status word
  bool failed_task = false; // a 5xx whose body describes a failed job: an answer, not an outage
  Prediction prediction;
};
PredictionAnswer read_prediction_answer(long http_status, std::string_view body);

struct UploadAnswer {
  AnswerStatus status;
  bool ok = false; // a URL was read
  Upload upload;
};
UploadAnswer read_upload_answer(long http_status, std::string_view body);

struct HistoryAnswer {
  AnswerStatus status;
  bool ok = false; // a list was read (it may be empty)
  std::vector<Prediction> items;
};
HistoryAnswer read_history_answer(long http_status, std::string_view body);

struct CatalogueAnswer {
  AnswerStatus status;
  bool ok = false;
  std::vector<ModelInfo> models;
};
CatalogueAnswer read_catalogue_answer(long http_status, std::string_view body);

struct SchemaAnswer {
  AnswerStatus status;
  bool ok = false; // components.schemas.Input was found
  ModelSchema schema;
};
SchemaAnswer read_schema_answer(long http_status, std::string_view body);

struct BalanceAnswer {
  AnswerStatus status;
  bool ok = false; // available.value was read
  Balance balance;
};
BalanceAnswer read_balance_answer(long http_status, std::string_view body);

// A number given as a JSON number or a decimal string ("0.23"); nullopt otherwise.
std::optional<double> parse_decimal(std::string_view text);

} // namespace shotchain::remote
