#include "tests/fake_atlas/fake_atlas.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/support/run.h"
#include "tests/support/temp_dir.h"

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

} // namespace

struct FakeAtlas::Impl {
  struct Job {
    std::string id, model, prompt, image, end_image;
    int duration = 6;
    bool expansion = false;
    Clock::time_point created;
    std::string final_state;
    std::string error;
    bool forced = false;
    std::string forced_state;
  };

  std::string key = "sk-fake-5f3c9a1e7d2b4680";
  httplib::Server api, storage2;
  std::thread api_thread, storage_thread;
  int api_port = 0, storage_port = 0;

  mutable std::mutex mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  std::map<Route, std::deque<Fault>> faults;
  bool flat = false;
  std::chrono::milliseconds latency{100};
  std::string final_state = "completed";
  std::string final_error = "injected job failure";
  std::string running_state = "processing";
  bool terminal_5xx = false;
  bool echo_inputs = true;
  std::chrono::milliseconds hang_time{3000};
  std::chrono::milliseconds drip_interval{100};
  std::string output_override;
  bool have_output_override = false;
  std::vector<Job> jobs;
  std::map<std::string, std::string> uploads; // path -> bytes
  std::vector<std::string> upload_names;
  int generate_calls = 0;
  std::map<std::string, int> generate_by_prompt;
  std::map<Route, int> route_calls;
  int unauthorized = 0;
  int storage_auth = 0;
  int other_port = 0;
  std::vector<std::string> ranges;
  std::string last_body;
  int counter = 0;
  // issue 9 variants
  std::string id_key = "id", id_where = "data", output_form = "outputs", history_mode = "echo";
  int warmup_404 = 0;
  int output_generation = 0;
  std::map<std::string, int> reads; // per job id
  std::vector<std::string> expired; // upload paths
  bool catalogue = false, strict = false;
  std::string end_frame_field = "end_image", price = "0.23", balance;
  int public_with_auth = 0, balance_calls = 0;
  std::string user_agent;

  void reset_locked() {
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

  std::optional<Fault> take_fault(Route r) {
    std::lock_guard<std::mutex> lock(mu);
    auto& q = faults[r];
    if (q.empty()) return std::nullopt;
    Fault f = q.front();
    if (q.front().times > 0 && --q.front().times == 0) q.pop_front();
    return f;
  }

  std::string envelope(const std::string& object_json) const {
    if (flat) return object_json;
    return "{\"code\":200,\"message\":\"success\",\"data\":" + object_json + "}";
  }

  static std::string error_body(int code, const std::string& message) {
    return "{\"code\":" + std::to_string(code) + ",\"message\":" + json_str(message) + "}";
  }

  std::string state_of(const Job& j) const {
    if (j.forced) return j.forced_state;
    auto age = Clock::now() - j.created;
    if (age < latency / 2) return "queued";
    if (age < latency) return running_state;
    if (j.final_state == "never") return running_state;
    return j.final_state;
  }

  std::string output_url(const Job& j) const {
    // Signed with the current output generation: expire_outputs() makes older URLs dead.
    return "http://127.0.0.1:" + std::to_string(api_port) + "/storage/outputs/" + j.id + ".mp4" +
           (output_generation ? "?gen=" + std::to_string(output_generation) : "");
  }

  std::string job_json(const Job& j, bool with_inputs) const {
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

  bool wait_or_stop(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(mu);
    return !stop_cv.wait_for(lock, d, [this] { return stopping; });
  }

  bool authorized(const httplib::Request& req) {
    return req.get_header_value("Authorization") == "Bearer " + key;
  }

  // Common fault handling for API routes. Returns true when the fault answered.
  bool apply_common_fault(const Fault& f, const httplib::Request& req, httplib::Response& res,
                          const std::string& normal_body) {
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

  void count(Route r) {
    std::lock_guard<std::mutex> lock(mu);
    ++route_calls[r];
  }

  bool check_key(const httplib::Request& req, httplib::Response& res) {
    if (authorized(req)) return true;
    {
      std::lock_guard<std::mutex> lock(mu);
      ++unauthorized;
    }
    res.status = 401;
    res.set_content(error_body(401, "Unauthorized: invalid or missing API key"),
                    "application/json");
    return false;
  }

  void handle_generate(const httplib::Request& req, httplib::Response& res) {
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
          bool known = name == "model" || name == "prompt" || name == "image" ||
                       name == "duration" || name == "enable_prompt_expansion" ||
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
      std::string obj = (id_key.empty() ? std::string("{")
                                        : "{" + json_str(id_key) + ":" + json_str(j.id) + ",") +
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

  bool upload_expired(const std::string& url) {
    if (url.empty()) return false;
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& path : expired)
      if (url.find(path) != std::string::npos) return true;
    return false;
  }

  void handle_prediction(const httplib::Request& req, httplib::Response& res) {
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

  void handle_history(const httplib::Request& req, httplib::Response& res) {
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

  void handle_upload(const httplib::Request& req, httplib::Response& res) {
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

  void note_public(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(mu);
    if (req.has_header("Authorization")) ++public_with_auth;
  }

  void handle_models(const httplib::Request& req, httplib::Response& res) {
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

  void handle_schema(const httplib::Request& req, httplib::Response& res) {
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

  void handle_balance(const httplib::Request& req, httplib::Response& res) {
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

  // Serves uploads and outputs on either port, honouring Range unless a fault says otherwise.
  void handle_storage(const httplib::Request& req, httplib::Response& res, bool second_port) {
    std::string range = req.get_header_value("Range");
    {
      std::lock_guard<std::mutex> lock(mu);
      ++route_calls[Route::storage];
      if (req.has_header("Authorization")) ++storage_auth;
      if (second_port) ++other_port;
      if (!range.empty()) ranges.push_back(range);
    }
    std::optional<Fault> fault;
    if (!second_port) fault = take_fault(Route::storage);
    if (fault && fault->kind == Fault::Kind::redirect) {
      res.status = 302;
      res.set_header("Location", "http://127.0.0.1:" + std::to_string(storage_port) + req.path);
      return;
    }
    if (fault && fault->kind == Fault::Kind::status) {
      res.status = fault->status;
      if (!fault->retry_after.empty()) res.set_header("Retry-After", fault->retry_after);
      if (!fault->location.empty()) res.set_header("Location", fault->location);
      res.set_content("storage error", "text/plain");
      return;
    }
    if (fault && (fault->kind == Fault::Kind::reset)) {
      reset_connection(req, api_port);
      res.status = 500;
      return;
    }
    auto bytes = std::make_shared<std::string>();
    {
      std::lock_guard<std::mutex> lock(mu);
      if (std::find(expired.begin(), expired.end(), req.path) != expired.end()) {
        res.status = 404;
        return;
      }
      if (auto it = uploads.find(req.path); it != uploads.end()) {
        *bytes = it->second;
      } else if (req.path.rfind("/storage/outputs/", 0) == 0) {
        std::string gen = req.get_param_value("gen");
        if ((gen.empty() ? 0 : std::atoi(gen.c_str())) != output_generation) {
          res.status = 403; // an expired signature
          return;
        }
        std::string id = req.path.substr(17);
        if (id.size() > 4) id = id.substr(0, id.size() - 4);
        auto job = std::find_if(jobs.begin(), jobs.end(), [&](const Job& j) { return j.id == id; });
        if (job == jobs.end()) {
          res.status = 404;
          return;
        }
        if (have_output_override)
          *bytes = output_override;
        else
          bytes = nullptr;
        if (!bytes) bytes = std::make_shared<std::string>(fake_mp4(job->duration));
      } else {
        res.status = 404;
        return;
      }
    }
    // This handler answers Range itself; keep httplib from applying it a second time.
    const_cast<httplib::Request&>(req).ranges.clear();
    std::uint64_t start = 0;
    bool honour_range = !(fault && fault->kind == Fault::Kind::ignore_range);
    if (!range.empty() && honour_range && range.rfind("bytes=", 0) == 0) {
      start = std::strtoull(range.c_str() + 6, nullptr, 10);
      if (start >= bytes->size()) {
        res.status = 416;
        res.set_header("Content-Range", "bytes */" + std::to_string(bytes->size()));
        return;
      }
    }
    size_t length = bytes->size() - start;
    bool truncate = fault && fault->kind == Fault::Kind::truncate;
    bool drip = fault && fault->kind == Fault::Kind::slow_drip;
    auto interval = drip_interval;
    res.status = start > 0 ? 206 : 200;
    if (start > 0)
      res.set_header("Content-Range", "bytes " + std::to_string(start) + "-" +
                                          std::to_string(bytes->size() - 1) + "/" +
                                          std::to_string(bytes->size()));
    res.set_header("Accept-Ranges", "bytes");
    res.set_content_provider(length, "video/mp4",
                             [this, bytes, start, length, truncate, drip, interval](
                                 size_t offset, size_t want, httplib::DataSink& sink) {
                               if (truncate && offset >= length / 2) {
                                 // Let the client read the half it was sent before the cut:
                                 // a close can reset the connection and drop unread bytes.
                                 std::this_thread::sleep_for(std::chrono::milliseconds(300));
                                 return false;
                               }
                               size_t n = std::min<size_t>(want, 64 * 1024);
                               if (truncate) n = std::min(n, length / 2 - offset);
                               if (drip) {
                                 if (!wait_or_stop(interval)) return false;
                                 n = std::min<size_t>(n, 8);
                               }
                               n = std::min(n, length - offset);
                               return sink.write(bytes->data() + start + offset, n);
                             });
  }
};

FakeAtlas::FakeAtlas() : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  auto api_route = [this](auto fn) {
    return [this, fn](const httplib::Request& req, httplib::Response& res) {
      (impl_.get()->*fn)(req, res);
    };
  };
  m.api.Post("/api/v1/model/generateVideo", api_route(&Impl::handle_generate));
  m.api.Post("/api/v1/model/uploadMedia", api_route(&Impl::handle_upload));
  m.api.Get(R"(/api/v1/model/prediction/([^/]+))", api_route(&Impl::handle_prediction));
  m.api.Get("/api/v1/model/history", api_route(&Impl::handle_history));
  m.api.Get("/api/v1/models", api_route(&Impl::handle_models));
  m.api.Get(R"(/schemas/([0-9]+)\.json)", api_route(&Impl::handle_schema));
  m.api.Get("/public/v1/balance", api_route(&Impl::handle_balance));
  m.api.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->user_agent = req.get_header_value("User-Agent");
    return httplib::Server::HandlerResponse::Unhandled;
  });
  m.api.Get(R"(/storage/.*)", [this](const httplib::Request& req, httplib::Response& res) {
    impl_->handle_storage(req, res, false);
  });
  m.storage2.Get(R"(/storage/.*)", [this](const httplib::Request& req, httplib::Response& res) {
    impl_->handle_storage(req, res, true);
  });
  // Outputs are ready before any request: making them inside a handler would stall a client.
  fake_mp4(6);
  fake_mp4(10);
  m.api.set_payload_max_length(64u << 20);
  m.api.set_keep_alive_max_count(1);
  m.storage2.set_keep_alive_max_count(1);
  m.api_port = m.api.bind_to_any_port("127.0.0.1");
  m.storage_port = m.storage2.bind_to_any_port("127.0.0.1");
  if (m.api_port <= 0 || m.storage_port <= 0) throw std::runtime_error("fake atlas: bind failed");
  m.api_thread = std::thread([&m] { m.api.listen_after_bind(); });
  m.storage_thread = std::thread([&m] { m.storage2.listen_after_bind(); });
  for (int i = 0; i < 200 && !(m.api.is_running() && m.storage2.is_running()); ++i)
    std::this_thread::sleep_for(5ms);
}

FakeAtlas::~FakeAtlas() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->stop_cv.notify_all();
  impl_->api.stop();
  impl_->storage2.stop();
  if (impl_->api_thread.joinable()) impl_->api_thread.join();
  if (impl_->storage_thread.joinable()) impl_->storage_thread.join();
}

std::string FakeAtlas::origin() const {
  return "http://127.0.0.1:" + std::to_string(impl_->api_port);
}
std::string FakeAtlas::base_url() const { return origin() + "/api/v1"; }
std::string FakeAtlas::storage_origin() const {
  return "http://127.0.0.1:" + std::to_string(impl_->storage_port);
}
int FakeAtlas::port() const { return impl_->api_port; }
const std::string& FakeAtlas::api_key() const { return impl_->key; }
std::map<std::string, std::string> FakeAtlas::env() const {
  return {{"ATLASCLOUD_API_KEY", impl_->key}, {"ATLASCLOUD_API_BASE", base_url()}};
}

void FakeAtlas::reset() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->reset_locked();
}
void FakeAtlas::inject(Route route, Fault fault) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->faults[route].push_back(std::move(fault));
}
void FakeAtlas::clear_faults() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->faults.clear();
}
void FakeAtlas::set_flat_envelope(bool flat) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->flat = flat;
}
void FakeAtlas::set_job_latency(std::chrono::milliseconds latency) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->latency = latency;
}
void FakeAtlas::set_final_state(std::string state, std::string error) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->final_state = std::move(state);
  impl_->final_error = std::move(error);
}
void FakeAtlas::set_running_state(std::string state) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->running_state = std::move(state);
}
void FakeAtlas::set_terminal_5xx(bool on) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->terminal_5xx = on;
}
void FakeAtlas::set_hang_time(std::chrono::milliseconds d) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->hang_time = d;
}
void FakeAtlas::set_drip_interval(std::chrono::milliseconds d) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->drip_interval = d;
}
void FakeAtlas::set_output_bytes(std::string bytes) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->output_override = std::move(bytes);
  impl_->have_output_override = true;
}
void FakeAtlas::set_history_echoes_inputs(bool on) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->echo_inputs = on;
}

void FakeAtlas::set_id_key(std::string key, std::string where) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->id_key = std::move(key);
  impl_->id_where = std::move(where);
}
void FakeAtlas::set_output_key(std::string form) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->output_form = std::move(form);
}
void FakeAtlas::set_warmup_404(int n) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->warmup_404 = n;
}
void FakeAtlas::set_history_mode(std::string mode) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->history_mode = std::move(mode);
}
void FakeAtlas::expire_uploads() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (const auto& [path, bytes] : impl_->uploads) impl_->expired.push_back(path);
}
void FakeAtlas::expire_outputs() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  ++impl_->output_generation;
}
void FakeAtlas::set_catalogue(bool on, std::string end_frame_field, bool strict,
                              std::string price) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->catalogue = on;
  impl_->end_frame_field = std::move(end_frame_field);
  impl_->strict = strict;
  impl_->price = std::move(price);
}
void FakeAtlas::set_balance(std::string available) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->balance = std::move(available);
}
int FakeAtlas::calls_with_authorization_to_public() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->public_with_auth;
}
int FakeAtlas::balance_calls() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->balance_calls;
}
std::string FakeAtlas::last_user_agent() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->user_agent;
}

int FakeAtlas::generate_calls() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->generate_calls;
}
int FakeAtlas::jobs_created() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return static_cast<int>(impl_->jobs.size());
}
int FakeAtlas::generate_calls_for(const std::string& prompt) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->generate_by_prompt.find(prompt);
  return it == impl_->generate_by_prompt.end() ? 0 : it->second;
}
int FakeAtlas::jobs_for(const std::string& prompt) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return static_cast<int>(std::count_if(impl_->jobs.begin(), impl_->jobs.end(),
                                        [&](const Impl::Job& j) { return j.prompt == prompt; }));
}
int FakeAtlas::calls(Route route) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->route_calls.find(route);
  return it == impl_->route_calls.end() ? 0 : it->second;
}
int FakeAtlas::unauthorized_calls() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->unauthorized;
}
int FakeAtlas::storage_calls_with_authorization() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->storage_auth;
}
int FakeAtlas::other_port_calls() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->other_port;
}
std::vector<std::string> FakeAtlas::range_headers() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->ranges;
}
std::vector<std::string> FakeAtlas::job_ids() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<std::string> ids;
  for (const auto& j : impl_->jobs) ids.push_back(j.id);
  return ids;
}
std::string FakeAtlas::last_generate_body() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->last_body;
}
std::vector<std::string> FakeAtlas::uploaded_names() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->upload_names;
}
void FakeAtlas::finish_job(const std::string& id, const std::string& state) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (auto& j : impl_->jobs)
    if (j.id == id) {
      j.forced = true;
      j.forced_state = state;
    }
}

const std::string& fake_mp4(int duration_s) {
  static std::mutex mu;
  static std::map<int, std::string> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(duration_s);
  if (it != cache.end()) return it->second;
  // Made once per build tree (CTest runs every test in its own process) and shared through the
  // build folder; written under a temporary name and renamed, so concurrent makers are safe.
  const std::string name = "fake_" + std::to_string(duration_s) + "s_576x324_v1.mp4";
  std::filesystem::path shared =
      std::filesystem::path(SHOTCHAIN_BINARY_DIR) / "tests" / "fake_atlas_media" / name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(shared, ec) ||
      std::filesystem::file_size(shared, ec) == 0) {
    std::filesystem::create_directories(shared.parent_path(), ec);
    auto tmp = shared.parent_path() / (name + ".tmp" + std::to_string(::getpid()) + ".mp4");
    auto r = run({"ffmpeg",       "-nostdin",
                  "-hide_banner", "-loglevel",
                  "error",        "-y",
                  "-f",           "lavfi",
                  "-i",           "testsrc2=size=576x324:rate=25",
                  "-frames:v",    std::to_string(duration_s * 25),
                  "-c:v",         "libx264",
                  "-preset",      "ultrafast",
                  "-pix_fmt",     "yuv420p",
                  "-r",           "25",
                  "-movflags",    "+faststart",
                  tmp.string()});
    if (r.exit_code != 0) {
      std::filesystem::remove(tmp, ec);
      throw std::runtime_error("fake atlas: ffmpeg failed: " + r.err);
    }
    std::filesystem::rename(tmp, shared, ec);
    if (ec) throw std::runtime_error("fake atlas: cannot store " + shared.string());
  }
  std::ifstream in(shared, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().empty()) throw std::runtime_error("fake atlas: empty " + shared.string());
  return cache[duration_s] = ss.str();
}

const std::string& fake_mp4_at(int fps, int frames) {
  static std::mutex mu;
  static std::map<std::pair<int, int>, std::string> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto key = std::make_pair(fps, frames);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  const std::string name =
      "fake_" + std::to_string(fps) + "fps_" + std::to_string(frames) + "f_576x324_v1.mp4";
  std::filesystem::path shared =
      std::filesystem::path(SHOTCHAIN_BINARY_DIR) / "tests" / "fake_atlas_media" / name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(shared, ec) ||
      std::filesystem::file_size(shared, ec) == 0) {
    std::filesystem::create_directories(shared.parent_path(), ec);
    auto tmp = shared.parent_path() / (name + ".tmp" + std::to_string(::getpid()) + ".mp4");
    auto r = run({"ffmpeg",       "-nostdin",
                  "-hide_banner", "-loglevel",
                  "error",        "-y",
                  "-f",           "lavfi",
                  "-i",           "testsrc2=size=576x324:rate=" + std::to_string(fps),
                  "-frames:v",    std::to_string(frames),
                  "-c:v",         "libx264",
                  "-preset",      "ultrafast",
                  "-pix_fmt",     "yuv420p",
                  "-r",           std::to_string(fps),
                  tmp.string()});
    if (r.exit_code != 0) throw std::runtime_error("fake atlas: ffmpeg failed: " + r.err);
    std::filesystem::rename(tmp, shared, ec);
  }
  std::ifstream in(shared, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return cache[key] = ss.str();
}

std::unique_ptr<FakeAtlas>& FakeAtlasEnvironment::instance() {
  static std::unique_ptr<FakeAtlas> fake;
  return fake;
}
void FakeAtlasEnvironment::SetUp() { instance() = std::make_unique<FakeAtlas>(); }
void FakeAtlasEnvironment::TearDown() { instance().reset(); }
FakeAtlas& FakeAtlasEnvironment::fake() {
  if (!instance()) instance() = std::make_unique<FakeAtlas>();
  return *instance();
}

} // namespace shotchain::test
