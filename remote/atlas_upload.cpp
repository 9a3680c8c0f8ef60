// Uploads (POST /model/uploadMedia) and the liveness check of a storage URL before a submit
// uses it (storage URLs expire; API.md "What is not known").
#include "common/scrub.h"
#include "remote/atlas.h"
#include "remote/atlas_answers.h"
#include "remote/url.h"

namespace shotchain::remote {

Upload AtlasClient::upload(const std::filesystem::path& file, const std::string& filename,
                           const std::string& content_type) const {
  std::string what = "upload " + file.filename().string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw Error(Failure::bad_input, file.string() + ": not a readable file");
  Backoff backoff(config_.retry);
  for (int attempt = 1;; ++attempt) {
    HttpRequest req = api_request("POST", "/model/uploadMedia");
    req.timeouts = config_.upload_timeouts;
    req.form.push_back(FormPart{"file", filename, content_type, {}, file});
    HttpResponse r = perform(req);
    if (r.aborted_by_caller && config_.cancelled && config_.cancelled())
      throw Error(Failure::interrupted, what + ": interrupted");
    if (r.completed()) {
      UploadAnswer a = read_upload_answer(r.status, r.body);
      if (a.ok) {
        const std::string& url = a.upload.download_url;
        if (has_header_breaking_chars(url))
          throw Error(Failure::runtime, what + ": the answer's URL holds CR/LF");
        if (auto why = url_policy_violation(url); !why.empty())
          throw Error(Failure::runtime, what + ": the answer's URL is refused: " + why);
        log("atlas: uploaded " + file.filename().string() + " -> " + redact_url(url));
        return a.upload;
      }
      if (a.status.ok())
        throw Error(Failure::runtime, what + ": the answer has no download_url or url");
    }
    if (!is_retryable(r) || attempt >= config_.retry.max_attempts) throw_api_error(what, r);
    sleep_for(backoff.next(attempt, retry_after(r)));
  }
}

bool AtlasClient::url_alive(const std::string& url) const {
  if (!url_policy_violation(url).empty() || has_header_breaking_chars(url)) return false;
  // Storage is fetched without the Authorization header (API.md).
  HttpRequest req = public_request(url);
  req.headers.clear();
  req.method = "HEAD";
  req.max_body = 1024;
  HttpResponse r = perform(req);
  if (r.aborted_by_caller && config_.cancelled && config_.cancelled())
    throw Error(Failure::interrupted, "checking " + redact_url(url) + ": interrupted");
  // Some storage refuses HEAD (405/403 on signed URLs signed for GET): ask for one byte.
  if (!r.completed() || r.status == 405 || r.status == 403 || r.status == 501) {
    req.method = "GET";
    req.range_from = 0;
    req.range_to = 0;
    // A server that ignores Range sends the whole file: the head is enough, stop there.
    long head_status = 0;
    req.on_body = [&head_status](const HttpResponse& head, std::string_view) {
      head_status = head.status;
      return false;
    };
    r = perform(req);
    if (head_status >= 200 && head_status < 300) return true;
  }
  bool alive = r.completed() && r.status >= 200 && r.status < 300;
  if (!alive)
    log("atlas: " + redact_url(url) + " no longer serves (" +
        (r.completed() ? "HTTP " + std::to_string(r.status) : r.error_text) + ")");
  return alive;
}

} // namespace shotchain::remote
