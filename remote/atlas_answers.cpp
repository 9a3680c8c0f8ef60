#include "remote/atlas_answers.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <initializer_list>

#include "common/json_read.h"
#include "common/scrub.h"

namespace shotchain::remote {
namespace {

using rapidjson::Value;

const Value* member(const Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

// A scalar member as text (numbers too: some ids come as numbers).
std::string text_of(const Value* v) {
  if (!v) return {};
  if (v->IsString()) return {v->GetString(), v->GetStringLength()};
  if (v->IsInt64()) return std::to_string(v->GetInt64());
  if (v->IsUint64()) return std::to_string(v->GetUint64());
  if (v->IsDouble()) {
    double d = v->GetDouble();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15)
      return std::to_string(static_cast<long long>(d));
    return std::to_string(d);
  }
  if (v->IsBool()) return v->GetBool() ? "true" : "false";
  return {};
}
std::string text_of(const Value& obj, const char* name) { return text_of(member(obj, name)); }

// The first of `names` that holds non-empty text (services spell some fields two ways).
std::string first_text(const Value& obj, std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (std::string t = text_of(obj, name); !t.empty()) return t;
  return {};
}

// The list an answer carries: the value itself when it is an array, else the first of `keys`
// of it that is one; nullptr when there is none.
const Value* list_in(const Value* v, std::initializer_list<const char*> keys) {
  if (v && v->IsObject()) {
    for (const char* key : keys)
      if (const Value* m = member(*v, key); m && m->IsArray()) return m;
  }
  return v && v->IsArray() ? v : nullptr;
}

// `error` may be a string or an object with message/msg/detail (read in that order).
std::string error_text(const Value& obj, int depth = 0) {
  if (!obj.IsObject() || depth > 4) return {};
  for (const char* key : {"msg", "message", "error", "detail"}) {
    const Value* v = member(obj, key);
    if (!v || v->IsNull()) continue;
    if (v->IsString() && v->GetStringLength() > 0) return {v->GetString(), v->GetStringLength()};
    if (v->IsObject()) {
      auto inner = error_text(*v, depth + 1);
      if (!inner.empty()) return inner;
    }
  }
  return {};
}

bool looks_html(std::string_view body) {
  std::size_t i = 0;
  while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
  auto head = body.substr(i, 64);
  std::string low(head);
  for (auto& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return low.rfind("<!doctype html", 0) == 0 || low.rfind("<html", 0) == 0 ||
         low.find("<head") != std::string::npos;
}

// One parsed answer: the document, the status, and the object it describes (`data` when the
// envelope wraps it, else the top level).
struct Parsed {
  rapidjson::Document doc;
  AnswerStatus status;
  const Value* object = nullptr;
};

void parse_into(Parsed& p, long http_status, std::string_view body) {
  AnswerStatus& s = p.status;
  s.http_status = http_status;
  s.code = http_status;
  s.html = looks_html(body);
  s.json_ok = static_cast<bool>(json::parse(p.doc, body)) && !body.empty();
  if (!s.json_ok) {
    if (!s.html && !body.empty()) s.message = scrub(body, 200);
    return;
  }
  const Value& root = p.doc;
  p.object = &root;
  if (!root.IsObject()) return;
  long env = 0;
  if (const Value* c = member(root, "code")) {
    if (c->IsInt64())
      env = static_cast<long>(std::clamp<std::int64_t>(c->GetInt64(), -1, 100000));
    else if (c->IsString())
      env = std::strtol(c->GetString(), nullptr, 10);
  }
  if (http_status < 400 && env >= 400 && env < 1000) s.code = env;
  std::string msg = error_text(root);
  const Value* data = member(root, "data");
  if (data && (data->IsObject() || data->IsArray())) p.object = data;
  if (msg.empty() && p.object->IsObject()) msg = error_text(*p.object);
  // A string `error` at top level only when it is not the empty text of a healthy answer.
  s.message = scrub(msg);
}

Prediction to_prediction(const Value& v) {
  Prediction p;
  if (!v.IsObject()) return p;
  for (const char* key : {"id", "prediction_id", "request_id", "predictionId"}) {
    p.id = text_of(v, key);
    if (!p.id.empty()) break;
  }
  p.id = scrub(p.id, 200);
  p.status = scrub(text_of(v, "status"), 60);
  p.model = scrub(text_of(v, "model"), 200);
  p.created_at = scrub(text_of(v, "created_at"), 60);
  p.completed_at = scrub(text_of(v, "completed_at"), 60);
  if (const Value* err = member(v, "error")) {
    if (err->IsString())
      p.error = scrub(std::string_view(err->GetString(), err->GetStringLength()));
    else if (err->IsObject())
      p.error = scrub(error_text(*err));
  }
  // Outputs: `outputs` (a list), else `output` (a list or one string).
  auto take_list = [&p](const Value* list) {
    if (!list) return;
    if (list->IsString() && list->GetStringLength() > 0) {
      p.outputs.emplace_back(list->GetString(), list->GetStringLength());
    } else if (list->IsArray()) {
      for (const auto& o : list->GetArray())
        if (o.IsString() && o.GetStringLength() > 0)
          p.outputs.emplace_back(o.GetString(), o.GetStringLength());
    }
  };
  take_list(member(v, "outputs"));
  if (p.outputs.empty()) take_list(member(v, "output"));
  if (const Value* metrics = member(v, "metrics"))
    if (const Value* t = member(*metrics, "predict_time"); t && t->IsNumber())
      p.predict_time = t->GetDouble();
  if (const Value* nsfw = member(v, "has_nsfw_contents")) {
    if (nsfw->IsBool())
      p.has_nsfw_contents = nsfw->GetBool();
    else if (nsfw->IsArray())
      for (const auto& x : nsfw->GetArray())
        if (x.IsBool() && x.GetBool()) p.has_nsfw_contents = true;
  }
  // Inputs: flat, or nested under `input`.
  p.prompt = text_of(v, "prompt");
  p.image = text_of(v, "image");
  if (const Value* input = member(v, "input"); input && input->IsObject()) {
    if (p.prompt.empty()) p.prompt = text_of(*input, "prompt");
    if (p.image.empty()) p.image = text_of(*input, "image");
  }
  return p;
}

// The object carrying a job id: `data`, the top level, or `data.data`.
const Value* job_object(const Parsed& p) {
  std::vector<const Value*> places;
  if (p.object) places.push_back(p.object);
  places.push_back(&p.doc);
  if (p.object)
    if (const Value* inner = member(*p.object, "data"); inner && inner->IsObject())
      places.push_back(inner);
  for (const Value* v : places) {
    if (!v->IsObject()) continue;
    for (const char* key : {"id", "prediction_id", "request_id", "predictionId"})
      if (!text_of(*v, key).empty()) return v;
  }
  return p.object && p.object->IsObject() ? p.object : nullptr;
}

} // namespace

std::optional<double> parse_decimal(std::string_view t) {
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  if (t.empty() || t.size() > 40) return std::nullopt;
  std::string s(t);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (!end || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v;
}

AnswerStatus read_answer_status(long http_status, std::string_view body) {
  Parsed p;
  parse_into(p, http_status, body);
  return p.status;
}

SubmitAnswer read_submit_answer(long http_status, std::string_view body) {
  SubmitAnswer a;
  Parsed p;
  parse_into(p, http_status, body);
  a.status = p.status;
  a.accepted = http_status >= 200 && http_status < 300;
  if (!p.status.json_ok) return a;
  if (const Value* job = job_object(p)) {
    a.prediction = to_prediction(*job);
    a.id = a.prediction.id;
    a.failed_task = !a.prediction.status.empty() &&
                    classify_status(a.prediction.status) == PredictionState::failed;
  }
  return a;
}

PredictionAnswer read_prediction_answer(long http_status, std::string_view body) {
  PredictionAnswer a;
  Parsed p;
  parse_into(p, http_status, body);
  a.status = p.status;
  if (!p.status.json_ok || !p.object || !p.object->IsObject()) return a;
  const Value* job = job_object(p);
  if (!job) return a;
  a.prediction = to_prediction(*job);
  bool failed = !a.prediction.status.empty() &&
                classify_status(a.prediction.status) == PredictionState::failed;
  a.failed_task = http_status >= 500 && failed;
  if (a.failed_task && a.prediction.error.empty()) a.prediction.error = p.status.message;
  a.ok = !a.prediction.status.empty() && (p.status.ok() || a.failed_task);
  return a;
}

UploadAnswer read_upload_answer(long http_status, std::string_view body) {
  UploadAnswer a;
  Parsed p;
  parse_into(p, http_status, body);
  a.status = p.status;
  if (!p.status.ok() || !p.object) return a;
  const Value& o = *p.object;
  Upload& u = a.upload;
  u.download_url = first_text(o, {"download_url", "url"});
  if (u.download_url.empty()) u.download_url = text_of(p.doc, "url");
  u.file_name = scrub(first_text(o, {"filename", "file_name"}), 200);
  u.content_type = scrub(first_text(o, {"type", "content_type"}), 100);
  if (auto size = parse_decimal(text_of(o, "size")); size && *size >= 0 && *size < 1e15)
    u.size = static_cast<std::int64_t>(*size);
  a.ok = !u.download_url.empty();
  return a;
}

HistoryAnswer read_history_answer(long http_status, std::string_view body) {
  HistoryAnswer a;
  Parsed p;
  parse_into(p, http_status, body);
  a.status = p.status;
  if (!p.status.ok() || !p.object) return a;
  const Value* list = list_in(p.object, {"items", "list", "predictions", "data", "records"});
  if (!list) return a;
  for (const auto& v : list->GetArray())
    if (v.IsObject()) a.items.push_back(to_prediction(v));
  a.ok = true;
  return a;
}

CatalogueAnswer read_catalogue_answer(long http_status, std::string_view body) {
  CatalogueAnswer a;
  Parsed p;
  parse_into(p, http_status, body);
  a.status = p.status;
  if (!p.status.ok() || !p.object) return a;
  const Value* list = list_in(p.object, {"models"});
  if (!list) return a;
  for (const auto& v : list->GetArray()) {
    if (!v.IsObject()) continue;
    ModelInfo m;
    m.id = scrub(text_of(v, "model"), 200);
    if (m.id.empty()) continue;
    m.type = scrub(text_of(v, "type"), 60);
    m.display_name = scrub(text_of(v, "displayName"), 200);
    m.schema_url = text_of(v, "schema");
    if (const Value* price = member(v, "price")) {
      if (const Value* actual = member(*price, "actual"))
        m.price = parse_decimal(text_of(*actual, "base_price"));
      if (const Value* origin = member(*price, "origin"))
        m.origin_price = parse_decimal(text_of(*origin, "base_price"));
    }
    a.models.push_back(std::move(m));
  }
  a.ok = true;
  return a;
}

SchemaAnswer read_schema_answer(long http_status, std::string_view body) {
  SchemaAnswer a;
  Parsed p;
  parse_into(p, http_status, body);
  a.status = p.status;
  // An OpenAPI document has no envelope; its own `code` field would be odd but harmless.
  if (!p.status.json_ok || http_status < 200 || http_status >= 300) return a;
  const Value* input = member(p.doc, "components");
  if (input) input = member(*input, "schemas");
  if (input) input = member(*input, "Input");
  if (!input || !input->IsObject()) return a;
  const Value* props = member(*input, "properties");
  if (!props || !props->IsObject()) return a;
  std::vector<std::string> required;
  if (const Value* req = member(*input, "required"); req && req->IsArray())
    for (const auto& r : req->GetArray())
      if (r.IsString()) required.emplace_back(r.GetString(), r.GetStringLength());
  for (const auto& m : props->GetObject()) {
    if (!m.value.IsObject()) continue;
    ModelField f;
    f.name = scrub(std::string_view(m.name.GetString(), m.name.GetStringLength()), 100);
    f.type = scrub(text_of(m.value, "type"), 40);
    if (const Value* e = member(m.value, "enum"); e && e->IsArray())
      for (const auto& x : e->GetArray())
        if (auto t = text_of(&x); !t.empty()) f.enum_values.push_back(scrub(t, 100));
    if (const Value* v = member(m.value, "minimum"); v && v->IsNumber()) f.minimum = v->GetDouble();
    if (const Value* v = member(m.value, "maximum"); v && v->IsNumber()) f.maximum = v->GetDouble();
    if (const Value* v = member(m.value, "maxLength"); v && v->IsInt64() && v->GetInt64() >= 0)
      f.max_length = v->GetInt64();
    f.default_value = scrub(text_of(m.value, "default"), 100);
    f.description = scrub(text_of(m.value, "description"), 200);
    f.required = std::find(required.begin(), required.end(), f.name) != required.end();
    a.schema.fields.push_back(std::move(f));
  }
  // x-order-properties: the order the vendor shows; others keep theirs after it.
  if (const Value* order = member(*input, "x-order-properties"); order && order->IsArray()) {
    std::vector<std::string> names;
    for (const auto& o : order->GetArray())
      if (o.IsString()) names.emplace_back(o.GetString(), o.GetStringLength());
    auto rank = [&](const ModelField& f) {
      auto it = std::find(names.begin(), names.end(), f.name);
      return it == names.end() ? names.size() : static_cast<std::size_t>(it - names.begin());
    };
    std::stable_sort(a.schema.fields.begin(), a.schema.fields.end(),
                     [&](const ModelField& x, const ModelField& y) { return rank(x) < rank(y); });
  }
  a.ok = true;
  return a;
}

BalanceAnswer read_balance_answer(long http_status, std::string_view body) {
  BalanceAnswer a;
  Parsed p;
  parse_into(p, http_status, body);
  a.status = p.status;
  if (!p.status.ok() || !p.object) return a;
  const Value* avail = member(*p.object, "available");
  if (!avail) return a;
  std::optional<double> v;
  if (avail->IsObject()) {
    v = parse_decimal(text_of(*avail, "value"));
    a.balance.currency = scrub(text_of(*avail, "currency"), 10);
  } else {
    v = parse_decimal(text_of(avail));
  }
  if (!v) return a;
  a.balance.available = *v;
  a.ok = true;
  return a;
}

const ModelField* ModelSchema::field(std::string_view name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

std::string ModelSchema::end_frame_field() const {
  for (const char* name : {"last_image", "end_image"})
    if (field(name)) return name;
  return {};
}

} // namespace shotchain::remote
