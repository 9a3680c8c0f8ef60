#include "remote/curl_error.h"

#include <curl/curl.h>

#include <string>

namespace shotchain::remote {
namespace {

class CurlCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "curl"; }
  std::string message(int code) const override {
    return curl_easy_strerror(static_cast<CURLcode>(code));
  }
};

class HttpCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "http"; }
  std::string message(int code) const override { return "HTTP status " + std::to_string(code); }
};

} // namespace

const std::error_category& curl_category() noexcept {
  static const CurlCategory category;
  return category;
}

std::error_code make_curl_error(int curl_code) noexcept { return {curl_code, curl_category()}; }

const std::error_category& http_category() noexcept {
  static const HttpCategory category;
  return category;
}

std::error_code make_http_error(long status) noexcept {
  return {static_cast<int>(status), http_category()};
}

} // namespace shotchain::remote
