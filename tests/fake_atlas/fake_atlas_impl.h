#pragma once
// The fake service's state and answers (internal to tests/fake_atlas/): fake_atlas.cpp starts
// the servers and holds the public API, fake_atlas_service.cpp answers each route (with the
// variants and faults API.md documents), fake_media.cpp makes the clips it serves.
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/fake_atlas/fake_atlas.h"

namespace shotchain::test {

// Closes the peer's connection to `local_port` with a reset (a fault the client must survive).
void reset_connection(const httplib::Request& req, int local_port);

struct FakeAtlas::Impl {
  using Clock = std::chrono::system_clock;

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

  void reset_locked();

  std::optional<Fault> take_fault(Route r);

  std::string envelope(const std::string& object_json) const;

  static std::string error_body(int code, const std::string& message);

  std::string state_of(const Job& j) const;

  std::string output_url(const Job& j) const;

  std::string job_json(const Job& j, bool with_inputs) const;

  bool wait_or_stop(std::chrono::milliseconds d);

  bool authorized(const httplib::Request& req);

  // Common fault handling for API routes. Returns true when the fault answered.
  bool apply_common_fault(const Fault& f, const httplib::Request& req, httplib::Response& res,
                          const std::string& normal_body);

  void count(Route r);

  bool check_key(const httplib::Request& req, httplib::Response& res);

  void handle_generate(const httplib::Request& req, httplib::Response& res);

  bool upload_expired(const std::string& url);

  void handle_prediction(const httplib::Request& req, httplib::Response& res);

  void handle_history(const httplib::Request& req, httplib::Response& res);

  void handle_upload(const httplib::Request& req, httplib::Response& res);

  void note_public(const httplib::Request& req);

  void handle_models(const httplib::Request& req, httplib::Response& res);

  void handle_schema(const httplib::Request& req, httplib::Response& res);

  void handle_balance(const httplib::Request& req, httplib::Response& res);

  // Serves uploads and outputs on either port, honouring Range unless a fault says otherwise.
  void handle_storage(const httplib::Request& req, httplib::Response& res, bool second_port);
};

} // namespace shotchain::test
