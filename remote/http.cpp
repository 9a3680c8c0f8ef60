#include "remote/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <string>

#include "common/error.h"
#include "remote/detail/curl_handles.h"
#include "remote/url.h"

namespace shotchain::remote {
namespace {

constexpr unsigned kMinCurlVersion = 0x075300; // 7.83.0
#ifndef SHOTCHAIN_VERSION_TEXT
#define SHOTCHAIN_VERSION_TEXT "0.1.0"
#endif

struct Exchange {
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  CURL* easy = nullptr;
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    ex->response->headers.clear();
    auto sp = line.find(' ');
    if (sp != std::string_view::npos) {
      long status = 0;
      for (size_t i = sp + 1; i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]));
           ++i)
        status = status * 10 + (line[i] - '0');
      ex->response->status = status;
    }
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    ex->response->headers.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return size * count;
}

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t n = size * count;
  if (ex->request->on_body) {
    if (!ex->request->on_body(*ex->response, std::string_view(data, n))) {
      ex->response->aborted_by_caller = true;
      return 0;
    }
    return n;
  }
  if (ex->response->body.size() + n > ex->request->max_body) {
    ex->response->aborted_by_caller = true;
    ex->response->body_too_large = true;
    return 0;
  }
  ex->response->body.append(data, n);
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* ex = static_cast<Exchange*>(user);
  if (ex->request->cancelled && ex->request->cancelled()) {
    ex->response->aborted_by_caller = true;
    return 1;
  }
  return 0;
}

bool surely_not_sent(CURLcode rc) {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_FAILED_INIT:
      return true;
    default:
      return false;
  }
}

void log_line(const HttpRequest& req, const std::string& line) {
  if (req.log) req.log(line);
}

HttpResponse refuse(const HttpRequest& req, CURLcode code, std::string text) {
  HttpResponse r;
  r.error = make_curl_error(code);
  r.error_text = std::move(text);
  r.request_sent = false;
  log_line(req, "http: " + req.method + " " + redact_url(req.url) + " refused: " + r.error_text);
  return r;
}

} // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

void ensure_curl_ready() {
  static std::once_flag once;
  static CURLcode init_result = CURLE_OK;
  static unsigned version = 0;
  std::call_once(once, [] {
    version = curl_version_info(CURLVERSION_NOW)->version_num;
    if (version >= kMinCurlVersion) init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
  });
  if (version < kMinCurlVersion)
    throw Error(Failure::runtime, make_curl_error(CURLE_FAILED_INIT),
                "libcurl " + curl_version_text() + " is too old: shotchain needs 7.83 or newer");
  if (init_result != CURLE_OK)
    throw Error(Failure::runtime, make_curl_error(init_result),
                std::string("libcurl: global init failed: ") + curl_easy_strerror(init_result));
}

std::string curl_version_text() { return curl_version_info(CURLVERSION_NOW)->version; }

std::string user_agent() { return std::string("shotchain/") + SHOTCHAIN_VERSION_TEXT; }

HttpResponse perform(const HttpRequest& req) {
  ensure_curl_ready();
  if (req.method != "GET" && req.method != "POST" && req.method != "HEAD")
    return refuse(req, CURLE_BAD_FUNCTION_ARGUMENT, "unsupported method " + req.method);
  if (auto why = url_policy_violation(req.url); !why.empty())
    return refuse(req, CURLE_UNSUPPORTED_PROTOCOL, why);
  if (has_header_breaking_chars(req.url))
    return refuse(req, CURLE_URL_MALFORMAT, "URL holds CR/LF: " + redact_url(req.url));
  detail::SlistHandle header_list;
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(header_list.get(), line.c_str());
    if (next) {
      (void)header_list.release();
      header_list.reset(next);
    }
    return next != nullptr;
  };
  for (const auto& [name, value] : req.headers) {
    if (has_header_breaking_chars(name) || has_header_breaking_chars(value) ||
        name.find(':') != std::string::npos)
      return refuse(req, CURLE_BAD_FUNCTION_ARGUMENT,
                    "header " + (has_header_breaking_chars(name) ? std::string("name") : name) +
                        ": CR/LF or ':' is not allowed");
    if (!add_header(name + ": " + value)) return refuse(req, CURLE_OUT_OF_MEMORY, "out of memory");
  }
  add_header("Expect:"); // no 100-continue round trip for uploads

  detail::EasyHandle easy(curl_easy_init());
  if (!easy) return refuse(req, CURLE_FAILED_INIT, "curl_easy_init failed");
  CURL* h = easy.get();
  HttpResponse resp;
  Exchange ex{&req, &resp, h};
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
  curl_easy_setopt(h, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, static_cast<long>(CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  const std::string agent = user_agent();
  curl_easy_setopt(h, CURLOPT_USERAGENT, agent.c_str());
  if (req.method == "HEAD") curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &ex);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &ex);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.timeouts.connect.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeouts.total.count()));
  if (req.timeouts.stall.count() > 0) {
    long secs = static_cast<long>((req.timeouts.stall.count() + 999) / 1000);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, req.timeouts.stall_bytes_per_second);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, secs);
  }
  std::string range;
  if (req.range_from) {
    range = std::to_string(*req.range_from) + "-" +
            (req.range_to ? std::to_string(*req.range_to) : std::string());
    curl_easy_setopt(h, CURLOPT_RANGE, range.c_str());
  }
  detail::MimeHandle mime;
  if (!req.form.empty()) {
    mime.reset(curl_mime_init(h));
    for (const auto& part : req.form) {
      curl_mimepart* p = curl_mime_addpart(mime.get());
      curl_mime_name(p, part.name.c_str());
      if (!part.file.empty()) {
        CURLcode rc = curl_mime_filedata(p, part.file.c_str());
        if (rc != CURLE_OK)
          return refuse(req, rc, "cannot read " + part.file.string() + " for upload");
      } else {
        curl_mime_data(p, part.data.data(), part.data.size());
      }
      if (!part.filename.empty()) curl_mime_filename(p, part.filename.c_str());
      if (!part.content_type.empty()) curl_mime_type(p, part.content_type.c_str());
    }
    curl_easy_setopt(h, CURLOPT_MIMEPOST, mime.get());
  } else if (req.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }

  if (req.log) {
    log_line(req, "http: -> " + req.method + " " + redact_url(req.url));
    for (const auto& [name, value] : req.headers)
      log_line(req, "http:    " + name + ": " +
                        (iequals(name, "authorization") || iequals(name, "cookie")
                             ? std::string("<redacted>")
                             : value));
  }
  auto start = std::chrono::steady_clock::now();
  CURLcode rc = curl_easy_perform(h);
  resp.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  if (code != 0) resp.status = code;
  if (rc != CURLE_OK) {
    resp.error = make_curl_error(rc);
    resp.error_text = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    while (!resp.error_text.empty() &&
           (resp.error_text.back() == '\n' || resp.error_text.back() == '\r'))
      resp.error_text.pop_back();
    curl_off_t connect_time = 0;
    long request_size = 0;
    curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_time);
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
    resp.request_sent =
        !surely_not_sent(rc) && (request_size > 0 || connect_time > 0 || resp.status != 0);
    log_line(req, "http: <- " + redact_url(req.url) + " failed after " +
                      std::to_string(resp.elapsed.count()) + " ms: " + resp.error_text +
                      (resp.request_sent ? " (request was sent)" : " (request not sent)"));
  } else {
    resp.request_sent = true;
    log_line(req, "http: <- " + std::to_string(resp.status) + " " + redact_url(req.url) + " in " +
                      std::to_string(resp.elapsed.count()) + " ms, " +
                      std::to_string(resp.body.size()) + " bytes");
  }
  return resp;
}

} // namespace shotchain::remote
