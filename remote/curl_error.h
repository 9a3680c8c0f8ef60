#pragma once
// libcurl's CURLcode values as a std::error_category, so remote/ failures travel in
// shotchain::Error (a std::system_error) without exposing curl types to other folders.
#include <system_error>

namespace shotchain::remote {

// The category of CURLcode values; message() is curl_easy_strerror's text.
const std::error_category& curl_category() noexcept;

// A CURLcode (passed as int so this header stays free of curl.h) as an error_code.
std::error_code make_curl_error(int curl_code) noexcept;

// The category of HTTP status codes an answer ended with (for Error::code()).
const std::error_category& http_category() noexcept;
std::error_code make_http_error(long status) noexcept;

} // namespace shotchain::remote
