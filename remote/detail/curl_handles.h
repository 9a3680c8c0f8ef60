#pragma once
// Owning handles for libcurl objects (one deleter each). Only remote/*.cpp includes this.
#include <curl/curl.h>

#include <memory>

namespace shotchain::remote::detail {

struct EasyDeleter {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
struct MimeDeleter {
  void operator()(curl_mime* m) const noexcept { curl_mime_free(m); }
};

using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using SlistHandle = std::unique_ptr<curl_slist, SlistDeleter>;
using MimeHandle = std::unique_ptr<curl_mime, MimeDeleter>;

} // namespace shotchain::remote::detail
