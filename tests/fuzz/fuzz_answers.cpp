// What the service (or whatever sits between us and it) sends back: answer bodies and the
// header values the client reads. Bodies go through the client's own answer readers
// (remote/atlas_answers.h: submit, prediction, upload, history, catalogue, schema, balance)
// with an HTTP status picked by the input, and what they return to be shown must hold no key
// and no control byte; headers go through the Retry-After parser and the Location helpers.
// The first byte picks body or header and the status.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "common/json_read.h"
#include "common/scrub.h"
#include "remote/atlas.h"
#include "remote/atlas_answers.h"
#include "remote/retry.h"
#include "remote/url.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace shotchain;

// The key the fuzzer tries to make us print (it is in the dictionary, so it gets echoed).
constexpr std::string_view kKey = "sk-fuzz-0123456789abcdef";

void shown(std::string_view peer_text) {
  std::string out = scrub(peer_text);
  fuzz::require(out.find(kKey) == std::string::npos, "scrubbed text never holds the key");
  for (unsigned char c : out) fuzz::require(c >= 0x20 && c != 0x7f, "no control bytes shown");
}

void walk(const rapidjson::Value& v, std::string_view key, int budget) {
  if (budget <= 0) return;
  if (v.IsString()) {
    std::string_view s(v.GetString(), v.GetStringLength());
    if (key == "status") (void)remote::classify_status(s);
    if (key == "created_at" || key == "completed_at") (void)remote::parse_timestamp_ms(s);
    shown(s);
  } else if (v.IsObject()) {
    for (const auto& m : v.GetObject())
      walk(m.value, std::string_view(m.name.GetString(), m.name.GetStringLength()), budget - 1);
  } else if (v.IsArray()) {
    for (const auto& item : v.GetArray()) walk(item, key, budget - 1);
  }
}

void answer_body(std::string_view body) {
  rapidjson::Document doc;
  json::Limits limits;
  limits.max_bytes = 1 << 20;
  json::ParseOutcome outcome = json::parse(doc, body, limits);
  if (!outcome) {
    shown(outcome.reason);
    return;
  }
  walk(doc, "", 200);
}

void prediction_shown(const remote::Prediction& p) {
  shown(p.id);
  shown(p.status);
  shown(p.error);
  fuzz::require(p.id.find(kKey) == std::string::npos && p.error.find(kKey) == std::string::npos &&
                    p.status.find(kKey) == std::string::npos,
                "a prediction's peer text never holds the key");
}

void client_readers(long status, std::string_view body) {
  auto submit = remote::read_submit_answer(status, body);
  fuzz::require(!(submit.accepted && (status < 200 || status >= 300)),
                "only a 2xx answer is taken as an accepted submit");
  fuzz::require(submit.status.message.find(kKey) == std::string::npos, "no key in the message");
  prediction_shown(submit.prediction);
  prediction_shown(remote::read_prediction_answer(status, body).prediction);
  (void)remote::read_upload_answer(status, body);
  for (const auto& item : remote::read_history_answer(status, body).items) prediction_shown(item);
  (void)remote::read_catalogue_answer(status, body);
  (void)remote::read_schema_answer(status, body);
  (void)remote::read_balance_answer(status, body);
}

void header_value(std::string_view value) {
  // A fixed "now" keeps runs reproducible.
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'780'000'000));
  if (auto wait = remote::parse_retry_after(value, now))
    fuzz::require(wait->count() >= 0, "a Retry-After wait is never negative");
  std::string target = remote::resolve_location("https://api.example/api/v1/model/x", value);
  shown(remote::redact_url(target));
  (void)remote::url_policy_violation(target);
  shown(value);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  register_secret(kKey);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  static constexpr long kStatuses[] = {200, 201, 400, 401, 402, 403, 404, 429, 500, 503};
  if (data[0] & 1) {
    header_value(rest);
  } else {
    answer_body(rest);
    client_readers(kStatuses[(data[0] >> 1) % std::size(kStatuses)], rest);
  }
  return 0;
}
