// The answer readers as plain functions (no network): every form of id, output and upload
// answer the vendor's clients have seen, error texts and HTML pages, the catalogue, a schema,
// the balance; hostile bodies never crash and never carry the key out; Retry-After dates far
// in the future are clamped before any conversion.
#include <gtest/gtest.h>

#include "common/scrub.h"
#include "remote/atlas_answers.h"
#include "remote/retry.h"

using namespace shotchain;
using namespace shotchain::remote;

TEST(AtlasAnswers, SubmitIdUnderEveryKeyAndPlace) {
  EXPECT_EQ(read_submit_answer(200, R"({"code":200,"data":{"id":"a1"}})").id, "a1");
  EXPECT_EQ(read_submit_answer(200, R"({"code":200,"data":{"prediction_id":"a2"}})").id, "a2");
  EXPECT_EQ(read_submit_answer(200, R"({"request_id":"a3","status":"created"})").id, "a3");
  EXPECT_EQ(read_submit_answer(200, R"({"code":200,"data":{"data":{"predictionId":"a4"}}})").id,
            "a4");
  EXPECT_EQ(read_submit_answer(201, R"({"data":{"id":12345}})").id, "12345");
  auto none = read_submit_answer(200, R"({"code":200,"data":{"status":"created"}})");
  EXPECT_TRUE(none.accepted) << "a 2xx may have created a job whatever its body says";
  EXPECT_TRUE(none.id.empty());
  auto garbage = read_submit_answer(200, "{\"code\":200,\"data\":{\"id\":");
  EXPECT_TRUE(garbage.accepted);
  EXPECT_TRUE(garbage.id.empty());
  auto refused = read_submit_answer(400, R"({"code":400,"msg":"prompt too long"})");
  EXPECT_FALSE(refused.accepted);
  EXPECT_EQ(refused.status.code, 400);
  EXPECT_EQ(refused.status.message, "prompt too long");
  auto in_body = read_submit_answer(200, R"({"code":402,"message":"insufficient balance"})");
  EXPECT_TRUE(in_body.accepted) << "a 2xx is never followed by another submit";
  EXPECT_EQ(in_body.status.code, 402) << "the refusal written in the body";
}

TEST(AtlasAnswers, OutputsInEveryForm) {
  auto a =
      read_prediction_answer(200, R"({"data":{"id":"p","status":"completed","outputs":["u1"]}})");
  ASSERT_TRUE(a.ok);
  EXPECT_EQ(a.prediction.outputs, std::vector<std::string>{"u1"});
  a = read_prediction_answer(200, R"({"id":"p","status":"succeeded","output":["u2","u3"]})");
  EXPECT_EQ(a.prediction.outputs, (std::vector<std::string>{"u2", "u3"}));
  a = read_prediction_answer(200, R"({"id":"p","status":"success","output":"u4"})");
  EXPECT_EQ(a.prediction.outputs, std::vector<std::string>{"u4"});
  a = read_prediction_answer(
      500, R"({"code":500,"message":"boom","data":{"id":"p","status":"failed"}})");
  EXPECT_TRUE(a.ok);
  EXPECT_TRUE(a.failed_task);
  EXPECT_EQ(a.prediction.error, "boom");
  EXPECT_FALSE(read_prediction_answer(502, "<html>bad gateway</html>").ok);
}

TEST(AtlasAnswers, UploadInBothForms) {
  auto u = read_upload_answer(
      200,
      R"({"code":200,"data":{"download_url":"https://s/x.png?sig=1","filename":"x.png","type":"image/png","size":123}})");
  ASSERT_TRUE(u.ok);
  EXPECT_EQ(u.upload.download_url, "https://s/x.png?sig=1") << "kept raw: it is fetched";
  EXPECT_EQ(u.upload.file_name, "x.png");
  EXPECT_EQ(u.upload.content_type, "image/png");
  EXPECT_EQ(u.upload.size, 123);
  EXPECT_EQ(read_upload_answer(200, R"({"url":"https://s/y.png"})").upload.download_url,
            "https://s/y.png");
  EXPECT_FALSE(read_upload_answer(200, R"({"code":200,"data":{}})").ok);
}

TEST(AtlasAnswers, HtmlAndErrorObjects) {
  auto s = read_answer_status(403, "<!DOCTYPE html><html><title>error 1010</title></html>");
  EXPECT_TRUE(s.html);
  EXPECT_EQ(s.code, 403);
  EXPECT_TRUE(s.message.empty()) << "an HTML page is not shown";
  s = read_answer_status(400, R"({"error":{"message":"bad field"}})");
  EXPECT_EQ(s.message, "bad field");
  s = read_answer_status(400, R"({"msg":"first","message":"second"})");
  EXPECT_EQ(s.message, "first") << "msg, message, error: in that order";
}

TEST(AtlasAnswers, PeerTextIsScrubbed) {
  register_secret("sk-test-7d1e3b9a55");
  auto a = read_prediction_answer(
      200,
      "{\"id\":\"p\",\"status\":\"working sk-test-7d1e3b9a55\",\"error\":\"\\u001b[2J "
      "key sk-test-7d1e3b9a55\"}");
  EXPECT_EQ(a.prediction.status.find("sk-test"), std::string::npos) << a.prediction.status;
  EXPECT_EQ(a.prediction.error.find("sk-test"), std::string::npos);
  EXPECT_EQ(a.prediction.error.find('\x1b'), std::string::npos);
  auto e = read_answer_status(400, R"({"msg":"echo sk-test-7d1e3b9a55"})");
  EXPECT_EQ(e.message.find("sk-test"), std::string::npos);
  clear_secrets();
}

TEST(AtlasAnswers, HostileBodiesAreRefusedNotCrashed) {
  std::string deep(100000, '[');
  EXPECT_FALSE(read_history_answer(200, deep).ok);
  EXPECT_FALSE(read_submit_answer(200, deep).status.json_ok);
  EXPECT_FALSE(read_catalogue_answer(200, "{\"data\":7}").ok);
  EXPECT_FALSE(read_balance_answer(200, R"({"data":{"available":{"value":"lots"}}})").ok);
  EXPECT_FALSE(parse_timestamp_ms("1e308").has_value());
  EXPECT_FALSE(parse_timestamp_ms("99999999999999999999").has_value());
}

TEST(AtlasAnswers, HistoryCatalogueSchemaBalance) {
  auto h = read_history_answer(
      200,
      R"({"code":200,"data":{"items":[{"id":"h1","model":"m","created_at":"2026-01-01T00:00:00Z","input":{"prompt":"p","image":"i"}}],"total":1}})");
  ASSERT_TRUE(h.ok);
  EXPECT_EQ(h.items.at(0).prompt, "p");
  EXPECT_FALSE(read_history_answer(404, "404 page not found").ok);

  auto c = read_catalogue_answer(
      200,
      R"({"code":200,"data":[{"model":"minimax/hailuo-02/standard","type":"Video","schema":"https://x/s.json","price":{"actual":{"base_price":"0.23"},"origin":{"base_price":"0.28"}}}]})");
  ASSERT_TRUE(c.ok);
  ASSERT_EQ(c.models.size(), 1u);
  EXPECT_DOUBLE_EQ(*c.models[0].price, 0.23);
  EXPECT_DOUBLE_EQ(*c.models[0].origin_price, 0.28);

  auto s = read_schema_answer(
      200,
      R"({"components":{"schemas":{"Input":{"required":["prompt"],"x-order-properties":["prompt","duration"],"properties":{"duration":{"type":"integer","enum":[6,10]},"last_image":{"type":"string"},"prompt":{"type":"string","maxLength":2000}}}}}})");
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.schema.fields.at(0).name, "prompt");
  EXPECT_TRUE(s.schema.fields.at(0).required);
  EXPECT_EQ(*s.schema.fields.at(0).max_length, 2000);
  EXPECT_EQ(s.schema.field("duration")->enum_values, (std::vector<std::string>{"6", "10"}));
  EXPECT_EQ(s.schema.end_frame_field(), "last_image");

  auto b = read_balance_answer(
      200, R"({"code":200,"data":{"available":{"value":"12.500000","currency":"usd"}}})");
  ASSERT_TRUE(b.ok);
  EXPECT_DOUBLE_EQ(b.balance.available, 12.5);
}

TEST(RetryAfter, AFarFutureDateIsClampedWithoutOverflow) {
  auto now = std::chrono::system_clock::now();
  auto far = parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now);
  ASSERT_TRUE(far.has_value());
  EXPECT_EQ(*far, std::chrono::hours(24 * 365));
  Backoff b(RetryPolicy{});
  EXPECT_LE(b.next(1, far), RetryPolicy{}.retry_after_cap) << "then capped by the policy";
  auto past = parse_retry_after("Thu, 01 Jan 1970 00:00:01 GMT", now);
  ASSERT_TRUE(past.has_value());
  EXPECT_EQ(past->count(), 0);
}
