#pragma once
// An in-process fake of the Atlas Cloud API (shared/API.md) over real HTTP on loopback, for
// every test area. It starts on an ephemeral 127.0.0.1 port, checks the Bearer key, runs
// jobs on a configurable latency, serves real 25 fps H.264 MP4 outputs, counts generate calls
// per job, and injects faults per route. A second "storage" server on another port is the
// target of the redirect fault and records whether an Authorization header reached it.
//
//   shotchain::test::FakeAtlas fake;                 // started; stopped by the destructor
//   fake.base_url();                                 // http://127.0.0.1:PORT/api/v1
//   fake.inject(Route::generate, {Fault::Kind::reset_after_create});
//   ... run the client or `shotchain generate --api-base <base_url>` with fake.api_key() ...
//   EXPECT_EQ(fake.jobs_created(), 1);
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace shotchain::test {

enum class Route { upload, generate, prediction, history, storage };

struct Fault {
  enum class Kind {
    status,             // answer HTTP `status` with `body` (+ Retry-After when set)
    reset,              // close the connection without an answer (generate: no job created)
    reset_after_create, // generate: create the job, then close without an answer
    hang,               // hold the request for hang_time() before answering (client times out)
    slow_drip,          // send the normal answer a few bytes every drip_interval()
    bad_json,           // HTTP 200 with a body that is not JSON (generate: the job is created)
    truncate,           // storage: announce the full length, send half, close
    ignore_range,       // storage: answer 200 with the whole file even when Range was asked
    redirect,           // storage: 302 to the same path on the second (storage) port
  };
  Kind kind = Kind::status;
  int status = 500;
  std::string body; // for `status`; empty: a JSON error envelope with `message`
  std::string message = "injected failure";
  std::string retry_after; // for `status`: a Retry-After value (seconds or HTTP-date)
  std::string location;    // for `status`: a Location header (redirect tests)
  int times = 1;           // how many requests it applies to; -1: every request
  bool create_job = false; // generate with status/hang: the job is created first

  // Builders: Fault::of(Kind::reset).repeat(2), Fault::http(429, "slow").with_retry_after("1")
  static Fault of(Kind k) {
    Fault f;
    f.kind = k;
    return f;
  }
  static Fault http(int code, std::string text = "injected failure") {
    Fault f;
    f.status = code;
    f.message = std::move(text);
    return f;
  }
  Fault& with_body(std::string b) {
    body = std::move(b);
    return *this;
  }
  Fault& with_retry_after(std::string v) {
    retry_after = std::move(v);
    return *this;
  }
  Fault& with_location(std::string v) {
    location = std::move(v);
    return *this;
  }
  Fault& repeat(int n) {
    times = n;
    return *this;
  }
  Fault& creating_job() {
    create_job = true;
    return *this;
  }
};

class FakeAtlas {
 public:
  FakeAtlas();
  ~FakeAtlas();
  FakeAtlas(const FakeAtlas&) = delete;
  FakeAtlas& operator=(const FakeAtlas&) = delete;

  // ---- where it is ----
  std::string base_url() const;       // http://127.0.0.1:PORT/api/v1
  std::string origin() const;         // http://127.0.0.1:PORT
  std::string storage_origin() const; // http://127.0.0.1:PORT2 (the redirect target)
  int port() const;
  const std::string& api_key() const;             // the only key it accepts
  std::map<std::string, std::string> env() const; // ATLASCLOUD_API_KEY and _BASE for the CLI

  // ---- behaviour (thread-safe; set before or during a test) ----
  void reset();                          // faults, jobs, counters and settings back to defaults
  void inject(Route route, Fault fault); // queued: consumed in order, `times` each
  void clear_faults();                   // drops every queued fault (jobs and uploads stay)
  void set_flat_envelope(bool flat);     // answer objects at top level (no code/data wrapper)
  void set_job_latency(std::chrono::milliseconds latency); // queued, processing, then final
  // Final state of new jobs: completed | failed | canceled | timeout | never (stays processing)
  void set_final_state(std::string state, std::string error = "injected job failure");
  void set_running_state(std::string state); // e.g. an unknown word; default "processing"
  void set_terminal_5xx(bool on); // a failed job's GET answers HTTP 500 with the task body
  void set_hang_time(std::chrono::milliseconds d);     // default 3 s (interrupted by stop)
  void set_drip_interval(std::chrono::milliseconds d); // default 100 ms per 8 bytes
  void set_output_bytes(std::string bytes);            // serve these instead of the generated MP4
  void set_history_echoes_inputs(bool on);             // default true

  // ---- the real service's variants (issue 9), each a switch ----
  // The key of the job id in a submit answer: id (default), prediction_id, request_id,
  // predictionId; `where` "data" (default), "top" or "data.data"; key "" answers no id at all.
  void set_id_key(std::string key, std::string where = "data");
  // How a finished job gives its video: "outputs" (default, a list), "output_list", "output".
  void set_output_key(std::string form);
  // The first `n` reads of each job answer 404 (the read side does not know it yet).
  void set_warmup_404(int n);
  // GET /model/history: "echo" (default: entries echo inputs), "blind" (no inputs), "absent"
  // (404, as if the endpoint did not exist).
  void set_history_mode(std::string mode);
  // Every upload made so far stops serving (404); a submit naming one is refused with 400
  // "image could not be fetched" (no job is created).
  void expire_uploads();
  // Every output URL handed out so far answers 403 (an expired signature); a job read again
  // gives a fresh one.
  void expire_outputs();
  // Serve GET /api/v1/models and a schema per model at /schemas/<n>.json (no key needed).
  // `end_frame_field` "end_image", "last_image" or "" (no end frame declared); `strict`: a
  // submit with a field the schema does not declare is refused with 400.
  void set_catalogue(bool on, std::string end_frame_field = "end_image", bool strict = false,
                     std::string price = "0.23");
  // GET /public/v1/balance answers `available` (e.g. "12.500000"); "" : 404 (no endpoint).
  void set_balance(std::string available);

  // ---- what happened ----
  int generate_calls() const; // POST /model/generateVideo requests that arrived
  int jobs_created() const;
  int generate_calls_for(const std::string& prompt) const; // per logical job (prompt)
  int jobs_for(const std::string& prompt) const;
  int calls(Route route) const;
  int unauthorized_calls() const;                 // /api/v1 requests with a wrong/missing key
  int storage_calls_with_authorization() const;   // storage requests (either port) with one
  int other_port_calls() const;                   // requests that reached the second port
  std::vector<std::string> range_headers() const; // Range values seen on storage requests
  std::vector<std::string> job_ids() const;       // oldest first
  std::string last_generate_body() const;
  std::vector<std::string> uploaded_names() const; // filenames of the multipart parts
  int calls_with_authorization_to_public() const;  // catalogue/schema requests with a key
  int balance_calls() const;
  std::string last_user_agent() const;

  // Marks a job as finished now (whatever the latency) with `state`.
  void finish_job(const std::string& id, const std::string& state);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A real MP4 (H.264, 576x324 so a chained last frame passes pre-flight, 25 fps,
// duration_s * 25 frames, no audio), made with the ffmpeg CLI once per build tree (kept in
// <build>/tests/fake_atlas_media) and held in memory per process. FakeAtlas makes both
// durations before it serves, so no request waits for an encoder.
const std::string& fake_mp4(int duration_s);

// A real MP4 at `fps` with exactly `frames` frames (576x324, H.264), made like fake_mp4.
const std::string& fake_mp4_at(int fps, int frames);

// One fake for a whole test binary: testing::AddGlobalTestEnvironment(new FakeAtlasEnvironment)
// then FakeAtlasEnvironment::fake() (reset() it in each test's SetUp).
class FakeAtlasEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
  static FakeAtlas& fake();

 private:
  static std::unique_ptr<FakeAtlas>& instance();
};

} // namespace shotchain::test
