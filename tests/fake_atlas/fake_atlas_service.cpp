#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "tests/fake_atlas/fake_atlas_impl.h"

namespace shotchain::test {
namespace {

using Clock = std::chrono::system_clock;
using namespace std::chrono_literals;

std::string json_str(const std::string& s) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return sb.GetString();
}

std::string iso_time(Clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

} // namespace

// Closes the client's connection of `req` abruptly (RST, no answer): finds the socket by its
// local and peer ports and shuts it down with a zero linger.
void reset_connection(const httplib::Request& req, int local_port) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return;
  while (dirent* e = readdir(dir)) {
    int fd = std::atoi(e->d_name);
    if (fd <= 2) continue;
    sockaddr_storage local{}, peer{};
    socklen_t ll = sizeof local, pl = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll) != 0) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pl) != 0) continue;
    if (local.ss_family != AF_INET || peer.ss_family != AF_INET) continue;
    auto* l4 = reinterpret_cast<sockaddr_in*>(&local);
    auto* p4 = reinterpret_cast<sockaddr_in*>(&peer);
    if (ntohs(l4->sin_port) != local_port || ntohs(p4->sin_port) != req.remote_port) continue;
    linger lg{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    shutdown(fd, SHUT_RDWR);
  }
  closedir(dir);
}

void FakeAtlas::Impl::reset_locked() {
  faults.clear();
  flat = false;
  latency = 100ms;
  final_state = "completed";
  final_error = "injected job failure";
  running_state = "processing";
  terminal_5xx = false;
  echo_inputs = true;
  hang_time = 3000ms;
  drip_interval = 100ms;
  output_override.clear();
  have_output_override = false;
  jobs.clear();
  uploads.clear();
  upload_names.clear();
  generate_calls = 0;
  generate_by_prompt.clear();
  route_calls.clear();
  unauthorized = 0;
  storage_auth = 0;
  other_port = 0;
  ranges.clear();
  last_body.clear();
  id_key = "id";
  id_where = "data";
  output_form = "outputs";
  history_mode = "echo";
  warmup_404 = 0;
  output_generation = 0;
  reads.clear();
  expired.clear();
  catalogue = strict = false;
  end_frame_field = "end_image";
  price = "0.23";
  balance.clear();
  public_with_auth = balance_calls = 0;
  user_agent.clear();
}

std::optional<Fault> FakeAtlas::Impl::take_fault(Route r) {
  std::lock_guard<std::mutex> lock(mu);
  auto& q = faults[r];
  if (q.empty()) return std::nullopt;
  Fault f = q.front();
  if (q.front().times > 0 && --q.front().times == 0) q.pop_front();
  return f;
}

std::string FakeAtlas::Impl::envelope(const std::string& object_json) const {
  if (flat) return object_json;
  return "{\"code\":200,\"message\":\"success\",\"data\":" + object_json + "}";
}

std::string FakeAtlas::Impl::error_body(int code, const std::string& message) {
  return "{\"code\":" + std::to_string(code) + ",\"message\":" + json_str(message) + "}";
}

std::string FakeAtlas::Impl::state_of(const Job& j) const {
  if (j.forced) return j.forced_state;
  auto age = Clock::now() - j.created;
  if (age < latency / 2) return "queued";
  if (age < latency) return running_state;
  if (j.final_state == "never") return running_state;
  return j.final_state;
}

std::string FakeAtlas::Impl::output_url(const Job& j) const {
  // Signed with the current output generation: expire_outputs() makes older URLs dead.
  return "http://127.0.0.1:" + std::to_string(api_port) + "/storage/outputs/" + j.id + ".mp4" +
         (output_generation ? "?gen=" + std::to_string(output_generation) : "");
}

std::string FakeAtlas::Impl::job_json(const Job& j, bool with_inputs) const {
  std::string state = state_of(j);
  std::string s = "{\"id\":" + json_str(j.id) + ",\"status\":" + json_str(state) +
                  ",\"model\":" + json_str(j.model) +
                  ",\"created_at\":" + json_str(iso_time(j.created));
  bool done = state == "completed";
  bool failed = state == "failed" || state == "canceled" || state == "timeout";
  if (output_form == "output") {
    if (done) s += ",\"output\":" + json_str(output_url(j));
  } else {
    s += output_form == "output_list" ? ",\"output\":[" : ",\"outputs\":[";
    if (done) s += json_str(output_url(j));
    s += "]";
  }
  if (failed)
    s += ",\"error\":" + json_str(j.error.empty() ? final_error : j.error);
  else
    s += ",\"error\":\"\"";
  if (done || failed) {
    s += ",\"completed_at\":" + json_str(iso_time(Clock::now()));
    s += ",\"metrics\":{\"predict_time\":1.25}";
  }
  s += ",\"has_nsfw_contents\":[false]";
  if (with_inputs)
    s += ",\"input\":{\"prompt\":" + json_str(j.prompt) + ",\"image\":" + json_str(j.image) +
         ",\"duration\":" + std::to_string(j.duration) + "}";
  s += "}";
  return s;
}

bool FakeAtlas::Impl::wait_or_stop(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu);
  return !stop_cv.wait_for(lock, d, [this] { return stopping; });
}

bool FakeAtlas::Impl::authorized(const httplib::Request& req) {
  return req.get_header_value("Authorization") == "Bearer " + key;
}

// Common fault handling for API routes. Returns true when the fault answered.
bool FakeAtlas::Impl::apply_common_fault(const Fault& f, const httplib::Request& req,
                                         httplib::Response& res, const std::string& normal_body) {
  switch (f.kind) {
    case Fault::Kind::status: {
      res.status = f.status;
      if (!f.retry_after.empty()) res.set_header("Retry-After", f.retry_after);
      if (!f.location.empty()) res.set_header("Location", f.location);
      res.set_content(f.body.empty() ? error_body(f.status, f.message) : f.body,
                      "application/json");
      return true;
    }
    case Fault::Kind::reset:
    case Fault::Kind::reset_after_create:
      reset_connection(req, api_port);
      res.status = 500;
      return true;
    case Fault::Kind::hang:
      wait_or_stop(hang_time);
      res.set_content(normal_body, "application/json");
      return true;
    case Fault::Kind::slow_drip: {
      auto body = std::make_shared<std::string>(normal_body);
      auto interval = drip_interval;
      res.set_chunked_content_provider(
          "application/json", [this, body, interval](size_t offset, httplib::DataSink& sink) {
            if (offset >= body->size()) {
              sink.done();
              return true;
            }
            if (!wait_or_stop(interval)) return false;
            size_t n = std::min<size_t>(8, body->size() - offset);
            return sink.write(body->data() + offset, n);
          });
      return true;
    }
    case Fault::Kind::bad_json:
      res.status = 200;
      res.set_content("{\"code\":200,\"data\":{\"id\":", "application/json");
      return true;
    default:
      return false;
  }
}

void FakeAtlas::Impl::count(Route r) {
  std::lock_guard<std::mutex> lock(mu);
  ++route_calls[r];
}

bool FakeAtlas::Impl::check_key(const httplib::Request& req, httplib::Response& res) {
  if (authorized(req)) return true;
  {
    std::lock_guard<std::mutex> lock(mu);
    ++unauthorized;
  }
  res.status = 401;
  res.set_content(error_body(401, "Unauthorized: invalid or missing API key"), "application/json");
  return false;
}

void FakeAtlas::Impl::handle_generate(const httplib::Request& req, httplib::Response& res) {
  {
    std::lock_guard<std::mutex> lock(mu);
    ++generate_calls;
    last_body = req.body;
  }
  count(Route::generate);
  if (!check_key(req, res)) return;
  rapidjson::Document doc;
  doc.Parse(req.body.c_str(), req.body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    res.status = 400;
    res.set_content(error_body(400, "body is not JSON"), "application/json");
    return;
  }
  const rapidjson::Value* in = &doc;
  if (doc.HasMember("input") && doc["input"].IsObject()) in = &doc["input"];
  auto str = [](const rapidjson::Value& v, const char* k) -> std::string {
    return v.HasMember(k) && v[k].IsString() ? v[k].GetString() : "";
  };
  Job j;
  j.model = str(doc, "model");
  j.prompt = str(*in, "prompt");
  j.image = str(*in, "image");
  j.end_image = str(*in, "end_image");
  if (j.end_image.empty()) j.end_image = str(*in, "last_image");
  std::string undeclared;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (catalogue && strict)
      for (const auto& m : static_cast<const rapidjson::Value&>(doc).GetObject()) {
        std::string name = m.name.GetString();
        bool known = name == "model" || name == "prompt" || name == "image" || name == "duration" ||
                     name == "enable_prompt_expansion" ||
                     (!end_frame_field.empty() && name == end_frame_field);
        if (!known) undeclared = name;
      }
  }
  if (in->HasMember("duration") && (*in)["duration"].IsInt())
    j.duration = (*in)["duration"].GetInt();
  if (in->HasMember("enable_prompt_expansion") && (*in)["enable_prompt_expansion"].IsBool())
    j.expansion = (*in)["enable_prompt_expansion"].GetBool();
  {
    std::lock_guard<std::mutex> lock(mu);
    ++generate_by_prompt[j.prompt];
  }
  std::string problem;
  if (j.model.empty())
    problem = "model is required";
  else if (j.prompt.empty())
    problem = "prompt is required";
  else if (j.prompt.size() > 2000)
    problem = "prompt is longer than 2000 characters";
  else if (j.duration != 6 && j.duration != 10)
    problem = "duration must be 6 or 10";
  else if (!j.end_image.empty() && j.image.empty())
    problem = "end_image needs image";
  else if (!undeclared.empty())
    problem = "unknown field: " + undeclared;
  else if (upload_expired(j.image) || upload_expired(j.end_image))
    problem = "image could not be fetched: " + j.image;
  auto fault = take_fault(Route::generate);
  if (problem.empty() && fault && fault->kind == Fault::Kind::status && !fault->create_job) {
    apply_common_fault(*fault, req, res, "");
    return;
  }
  if (fault && fault->kind == Fault::Kind::reset) {
    reset_connection(req, api_port);
    res.status = 500;
    return;
  }
  if (!problem.empty()) {
    res.status = 400;
    res.set_content(error_body(400, problem), "application/json");
    return;
  }
  std::string body;
  {
    std::lock_guard<std::mutex> lock(mu);
    j.id = "pred-" + std::to_string(++counter) + "-" + std::to_string(api_port);
    j.created = Clock::now();
    j.final_state = final_state;
    j.error = final_error;
    jobs.push_back(j);
    std::string obj =
        (id_key.empty() ? std::string("{") : "{" + json_str(id_key) + ":" + json_str(j.id) + ",") +
        "\"status\":\"created\",\"model\":" + json_str(j.model) +
        ",\"created_at\":" + json_str(iso_time(j.created)) + "}";
    if (id_where == "top" || flat)
      body = obj;
    else if (id_where == "data.data")
      body = "{\"code\":200,\"message\":\"success\",\"data\":{\"data\":" + obj + "}}";
    else
      body = envelope(obj);
  }
  if (fault && apply_common_fault(*fault, req, res, body)) return;
  res.set_content(body, "application/json");
}

bool FakeAtlas::Impl::upload_expired(const std::string& url) {
  if (url.empty()) return false;
  std::lock_guard<std::mutex> lock(mu);
  for (const auto& path : expired)
    if (url.find(path) != std::string::npos) return true;
  return false;
}

void FakeAtlas::Impl::handle_prediction(const httplib::Request& req, httplib::Response& res) {
  count(Route::prediction);
  if (!check_key(req, res)) return;
  std::string id = req.matches[1];
  std::string body;
  bool failed = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (++reads[id] <= warmup_404) {
      res.status = 404;
      res.set_content(error_body(404, "prediction not found"), "application/json");
      return;
    }
    auto it = std::find_if(jobs.begin(), jobs.end(), [&](const Job& j) { return j.id == id; });
    if (it == jobs.end()) {
      res.status = 404;
      res.set_content(error_body(404, "prediction not found"), "application/json");
      return;
    }
    std::string state = state_of(*it);
    failed = state == "failed" || state == "canceled" || state == "timeout";
    body = envelope(job_json(*it, false));
    if (failed && terminal_5xx)
      body = "{\"code\":500,\"message\":" + json_str(it->error) +
             ",\"data\":" + job_json(*it, false) + "}";
  }
  auto fault = take_fault(Route::prediction);
  if (fault && apply_common_fault(*fault, req, res, body)) return;
  if (failed && terminal_5xx) res.status = 500;
  res.set_content(body, "application/json");
}

void FakeAtlas::Impl::handle_history(const httplib::Request& req, httplib::Response& res) {
  count(Route::history);
  if (!check_key(req, res)) return;
  std::string body;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (history_mode == "absent") {
      res.status = 404;
      res.set_content("404 page not found", "text/plain");
      return;
    }
    bool echo = echo_inputs && history_mode == "echo";
    std::string items = "[";
    for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {
      if (items.size() > 1) items += ",";
      items += job_json(*it, echo);
    }
    items += "]";
    body = flat ? items
                : "{\"code\":200,\"message\":\"success\",\"data\":{\"items\":" + items +
                      ",\"total\":" + std::to_string(jobs.size()) + "}}";
  }
  auto fault = take_fault(Route::history);
  if (fault && apply_common_fault(*fault, req, res, body)) return;
  res.set_content(body, "application/json");
}

void FakeAtlas::Impl::handle_upload(const httplib::Request& req, httplib::Response& res) {
  count(Route::upload);
  if (!check_key(req, res)) return;
  auto fault = take_fault(Route::upload);
  if (!req.is_multipart_form_data() || !req.has_file("file")) {
    res.status = 400;
    res.set_content(error_body(400, "multipart part 'file' is required"), "application/json");
    return;
  }
  auto file = req.get_file_value("file");
  if (file.filename.empty()) {
    res.status = 400;
    res.set_content(error_body(400, "the file part needs a filename"), "application/json");
    return;
  }
  std::string path, url, body;
  {
    std::lock_guard<std::mutex> lock(mu);
    path = "/storage/uploads/" + std::to_string(++counter) + "/" + file.filename;
    uploads[path] = file.content;
    upload_names.push_back(file.filename);
    url = "http://127.0.0.1:" + std::to_string(api_port) + path + "?sig=SECRETSIG";
    std::string obj = "{\"download_url\":" + json_str(url) +
                      ",\"file_name\":" + json_str(file.filename) +
                      ",\"content_type\":" + json_str(file.content_type) +
                      ",\"size\":" + std::to_string(file.content.size()) + "}";
    // The upload guide's form: the URL at top level.
    body = flat ? "{\"url\":" + json_str(url) + "}" : envelope(obj);
  }
  if (fault && apply_common_fault(*fault, req, res, body)) return;
  res.set_content(body, "application/json");
}

void FakeAtlas::Impl::note_public(const httplib::Request& req) {
  std::lock_guard<std::mutex> lock(mu);
  if (req.has_header("Authorization")) ++public_with_auth;
}

void FakeAtlas::Impl::handle_models(const httplib::Request& req, httplib::Response& res) {
  note_public(req);
  std::lock_guard<std::mutex> lock(mu);
  if (!catalogue) {
    res.status = 404;
    res.set_content(error_body(404, "not found"), "application/json");
    return;
  }
  std::string o = "http://127.0.0.1:" + std::to_string(api_port);
  auto model = [&](const std::string& id, int n, const std::string& p) {
    return "{\"model\":" + json_str(id) + ",\"type\":\"Video\",\"displayName\":" + json_str(id) +
           ",\"schema\":" + json_str(o + "/schemas/" + std::to_string(n) + ".json") +
           ",\"price\":{\"actual\":{\"base_price\":" + json_str(p) +
           "},\"origin\":{\"base_price\":\"0.28\"}},\"display_console\":true}";
  };
  res.set_content("{\"code\":200,\"msg\":\"ok\",\"data\":[" +
                      model("minimax/hailuo-02/standard", 1, price) + "," +
                      model("minimax/hailuo-02/fast", 2, "0.10") + "]}",
                  "application/json");
}

void FakeAtlas::Impl::handle_schema(const httplib::Request& req, httplib::Response& res) {
  note_public(req);
  std::lock_guard<std::mutex> lock(mu);
  std::string n = req.matches[1];
  if (!catalogue || (n != "1" && n != "2")) {
    res.status = 404;
    return;
  }
  std::string props =
      "\"prompt\":{\"type\":\"string\",\"maxLength\":2000,\"description\":\"What happens\"},"
      "\"image\":{\"type\":\"string\"},"
      "\"duration\":{\"type\":\"integer\",\"enum\":[6,10],\"default\":6},"
      "\"enable_prompt_expansion\":{\"type\":\"boolean\",\"default\":false}";
  if (n == "1" && !end_frame_field.empty())
    props += "," + json_str(end_frame_field) + ":{\"type\":\"string\"}";
  res.set_content(
      "{\"openapi\":\"3.0.0\",\"components\":{\"schemas\":{\"Input\":{"
      "\"type\":\"object\",\"required\":[\"prompt\",\"image\"],\"properties\":{" +
          props + "},\"x-order-properties\":[\"prompt\",\"image\",\"duration\"]}}}}",
      "application/json");
}

void FakeAtlas::Impl::handle_balance(const httplib::Request& req, httplib::Response& res) {
  {
    std::lock_guard<std::mutex> lock(mu);
    ++balance_calls;
  }
  if (!check_key(req, res)) return;
  std::lock_guard<std::mutex> lock(mu);
  if (balance.empty()) {
    res.status = 404;
    res.set_content("404 page not found", "text/plain");
    return;
  }
  auto money = [](const std::string& v) {
    return "{\"value\":" + json_str(v) + ",\"currency\":\"usd\"}";
  };
  res.set_content("{\"code\":200,\"data\":{\"available\":" + money(balance) + ",\"cash\":" +
                      money(balance) + ",\"bonus\":" + money("0") + ",\"frozen\":" + money("0") +
                      ",\"account\":{\"id\":\"a1\",\"name\":\"test\",\"type\":\"personal\"}}}",
                  "application/json");
}

} // namespace shotchain::test
