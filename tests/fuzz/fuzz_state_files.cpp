// The state folder's files, which anyone can edit or damage: a shot's journal record
// (refused with one runtime Error naming the file, or read; a record read back and written
// again reads the same) and the upload cache (damaged = cold, never a crash).
// The first byte picks the file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "pipeline/journal.h"
#include "stages/generate_upload_cache.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace shotchain;

void journal_record(const std::string& text) {
  pipeline::ShotRecord first;
  try {
    first = pipeline::Journal::from_json(text, "state/shot.json");
  } catch (const Error& e) {
    fuzz::require(e.failure() == Failure::runtime, "a damaged record is a runtime error");
    fuzz::require(std::string(e.what()).rfind("state/shot.json: ", 0) == 0,
                  "the error names the file");
    return;
  }
  pipeline::ShotRecord again =
      pipeline::Journal::from_json(pipeline::Journal::to_json(first), "again.json");
  fuzz::require(again.id == first.id && again.fingerprint == first.fingerprint &&
                    again.segments.size() == first.segments.size(),
                "a record written back reads the same");
  for (std::size_t i = 0; i < first.segments.size(); ++i)
    fuzz::require(
        again.segments[i].prediction_id == first.segments[i].prediction_id &&
            again.segments[i].status == first.segments[i].status &&
            again.segments[i].superseded_predictions == first.segments[i].superseded_predictions,
        "a segment written back reads the same");
}

void upload_cache(const std::string& text) {
  auto file = fuzz::write_scratch("uploads.json", text);
  stages::UploadCache cache(file, std::chrono::hours(24 * 365 * 100));
  (void)cache.find("https://api.example/api/v1", "0123abcd", "ref.png");
  // A store rewrites the cache whole; the next reader must accept what was written.
  cache.store("https://api.example/api/v1", "0123abcd", "ref.png", "https://files.example/ref.png");
  stages::UploadCache again(file, std::chrono::hours(24 * 365 * 100));
  fuzz::require(again.find("https://api.example/api/v1", "0123abcd", "ref.png").value_or("") ==
                    "https://files.example/ref.png",
                "a stored upload is found after a reload");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1)
    upload_cache(text);
  else
    journal_record(text);
  return 0;
}
