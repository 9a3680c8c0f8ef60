// The job spec (`shotchain run JOB.json`): any bytes must give a JobSpec or one Error of kind
// bad_input that names the file, never a crash, a hang or a stack overflow.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "pipeline/job_spec.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shotchain;
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    pipeline::JobSpec job = pipeline::parse_job_spec(text, "fuzz.json", "/fuzz-base");
    // A spec that parsed is usable: its shots can be ordered and described.
    auto order = job.dependency_order();
    fuzz::require(order.size() == job.shots.size(), "dependency_order lists every shot once");
    for (const auto& shot : job.shots) (void)shot.reference.describe();
  } catch (const Error& e) {
    fuzz::require(e.failure() == Failure::bad_input, "a bad spec is bad_input");
    fuzz::require(std::string(e.what()).rfind("fuzz.json", 0) == 0, "the error names the file");
  }
  return 0;
}
