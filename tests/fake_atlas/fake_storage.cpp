// The fake service's storage: uploaded references and job outputs, served with ranges, on
// the API's port and on a second one (signed URLs elsewhere), with its faults (truncation,
// slow drip, resets, expiry).
#include <algorithm>

#include "tests/fake_atlas/fake_atlas_impl.h"

namespace shotchain::test {

// Serves uploads and outputs on either port, honouring Range unless a fault says otherwise.
void FakeAtlas::Impl::handle_storage(const httplib::Request& req, httplib::Response& res,
                                     bool second_port) {
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

} // namespace shotchain::test
