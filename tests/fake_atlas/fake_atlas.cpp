#include "tests/fake_atlas/fake_atlas.h"

#include <stdexcept>

#include "tests/fake_atlas/fake_atlas_impl.h"

namespace shotchain::test {

using namespace std::chrono_literals;

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
