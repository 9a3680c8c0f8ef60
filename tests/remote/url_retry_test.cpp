// URL policy, redaction, header checks and the retry policy (pure functions).
#include <gtest/gtest.h>

#include "common/scrub.h"

#include "common/sha256.h"
#include "remote/http.h"
#include "remote/retry.h"
#include "remote/url.h"

using namespace shotchain::remote;
using shotchain::sha256_hex;
using namespace std::chrono_literals;

TEST(RemoteUrl, RedactsQueryAndUserInfo) {
  EXPECT_EQ(redact_url("https://s.example/a/b.mp4?X-Amz-Signature=abc&k=1#frag"),
            "https://s.example/a/b.mp4?<redacted>");
  EXPECT_EQ(redact_url("https://user:pw@h.example/p"), "https://<redacted>@h.example/p");
  EXPECT_EQ(redact_url("https://h.example/p"), "https://h.example/p");
}

TEST(RemoteUrl, HttpOnlyForLoopback) {
  EXPECT_EQ(url_policy_violation("https://api.example/api/v1"), "");
  EXPECT_EQ(url_policy_violation("http://127.0.0.1:8080/x"), "");
  EXPECT_EQ(url_policy_violation("http://127.5.6.7/x"), "");
  EXPECT_EQ(url_policy_violation("http://[::1]:80/x"), "");
  EXPECT_EQ(url_policy_violation("http://localhost/x"), "");
  EXPECT_NE(url_policy_violation("http://api.example/x"), "");
  EXPECT_NE(url_policy_violation("http://127.0.0.1.evil.example/x"), "");
  EXPECT_NE(url_policy_violation("ftp://127.0.0.1/x"), "");
  EXPECT_NE(url_policy_violation("file:///etc/passwd"), "");
  EXPECT_NE(url_policy_violation("not a url"), "");
  // The refusal reason never shows the query.
  EXPECT_EQ(url_policy_violation("http://h.example/x?token=s3cr3t").find("s3cr3t"),
            std::string::npos);
}

TEST(RemoteUrl, OriginAndLocation) {
  EXPECT_TRUE(same_origin("http://127.0.0.1:5/a", "http://127.0.0.1:5/b?x"));
  EXPECT_FALSE(same_origin("http://127.0.0.1:5/a", "http://127.0.0.1:6/a"));
  EXPECT_EQ(resolve_location("https://h.example/a/b?q", "/c"), "https://h.example/c");
  EXPECT_EQ(resolve_location("https://h.example/a/b", "c"), "https://h.example/a/c");
  EXPECT_EQ(resolve_location("https://h.example/a", "https://o.example/z"), "https://o.example/z");
}

TEST(RemoteUrl, HeaderBreakingCharactersAndScrub) {
  EXPECT_TRUE(has_header_breaking_chars("a\r\nX-Injected: 1"));
  EXPECT_TRUE(has_header_breaking_chars(std::string("a\0b", 3)));
  EXPECT_FALSE(has_header_breaking_chars("Bearer abc"));
  shotchain::register_secret("SECRET");
  EXPECT_EQ(shotchain::scrub("key=SECRET and SECRET"), "key=<redacted> and <redacted>");
}

TEST(RemoteHttp, HeaderWithCrLfIsRefusedUnsent) {
  HttpRequest req;
  req.url = "http://127.0.0.1:9/x";
  req.headers.emplace_back("X-Test", "a\r\nAuthorization: Bearer stolen");
  auto r = perform(req);
  EXPECT_FALSE(r.completed());
  EXPECT_FALSE(r.request_sent);
  EXPECT_EQ(r.error.category(), curl_category());
}

TEST(RemoteHttp, PlainHttpToRemoteHostIsRefusedUnsent) {
  HttpRequest req;
  req.url = "http://api.example/x?sig=s3cr3t";
  auto r = perform(req);
  EXPECT_FALSE(r.completed());
  EXPECT_FALSE(r.request_sent);
  EXPECT_EQ(r.error_text.find("s3cr3t"), std::string::npos);
}

TEST(RemoteHttp, ConnectionRefusedIsRetryableAndUnsent) {
  HttpRequest req;
  req.url = "http://127.0.0.1:1/x"; // nothing listens on port 1
  auto r = perform(req);
  EXPECT_FALSE(r.completed());
  EXPECT_FALSE(r.request_sent);
  EXPECT_TRUE(is_retryable(r));
  EXPECT_FALSE(r.error.message().empty());
  EXPECT_STREQ(r.error.category().name(), "curl");
}

TEST(RemoteRetry, RetryableStatuses) {
  for (long s : {408L, 429L, 500L, 502L, 503L, 504L}) {
    HttpResponse r;
    r.status = s;
    EXPECT_TRUE(is_retryable(r)) << s;
  }
  for (long s : {200L, 400L, 401L, 403L, 404L, 409L, 422L, 501L}) {
    HttpResponse r;
    r.status = s;
    EXPECT_FALSE(is_retryable(r)) << s;
  }
  HttpResponse tls;
  tls.error = make_curl_error(60); // CURLE_PEER_FAILED_VERIFICATION
  EXPECT_FALSE(is_retryable(tls));
  HttpResponse bad_url;
  bad_url.error = make_curl_error(3); // CURLE_URL_MALFORMAT
  EXPECT_FALSE(is_retryable(bad_url));
  HttpResponse timeout;
  timeout.error = make_curl_error(28);
  EXPECT_TRUE(is_retryable(timeout));
}

TEST(RemoteRetry, RetryAfterBothForms) {
  auto now = std::chrono::system_clock::from_time_t(1445412480); // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(parse_retry_after("120", now), std::chrono::milliseconds(120000));
  EXPECT_EQ(parse_retry_after(" 0 ", now), std::chrono::milliseconds(0));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            std::chrono::milliseconds(30000));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), std::chrono::milliseconds(0));
  EXPECT_FALSE(parse_retry_after("soon", now).has_value());
  EXPECT_FALSE(parse_retry_after("", now).has_value());
}

TEST(RemoteRetry, FullJitterIsSeedableAndCapped) {
  RetryPolicy p;
  p.base = 100ms;
  p.cap = 400ms;
  p.retry_after_cap = 1000ms;
  p.seed = 7;
  Backoff a(p), b(p);
  for (int i = 1; i <= 8; ++i) {
    auto x = a.next(i), y = b.next(i);
    EXPECT_EQ(x, y) << "same seed, same sequence";
    auto ceiling = std::min<std::int64_t>(400, 100LL << (i - 1));
    EXPECT_GE(x.count(), 0);
    EXPECT_LE(x.count(), ceiling) << i;
  }
  // Retry-After is honoured but capped.
  EXPECT_EQ(a.next(1, std::chrono::milliseconds(900)), 900ms);
  EXPECT_EQ(a.next(1, std::chrono::milliseconds(60000)), 1000ms);
  // Different seeds give different sequences (over a few draws).
  p.seed = 8;
  Backoff c(p);
  p.seed = 7;
  Backoff d(p);
  bool differ = false;
  for (int i = 0; i < 8; ++i) differ |= c.next(4) != d.next(4);
  EXPECT_TRUE(differ);
}

TEST(RemoteSha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(std::string(1000, 'a')),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST(RemoteCurl, VersionIsNewEnough) {
  EXPECT_NO_THROW(ensure_curl_ready());
  EXPECT_FALSE(curl_version_text().empty());
}
