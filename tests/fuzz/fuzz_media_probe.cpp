// Media open and probe (`shotchain probe`, and every stage that opens footage): any bytes in a
// file give a MediaInfo or one bad_input Error naming the file; never a crash or a hang past
// the per-operation deadline.
#include <cstddef>
#include <cstdint>
#include <string>

#include "codecs/input_file.h"
#include "codecs/media_info.h"
#include "codecs/packet.h"
#include "common/error.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shotchain;
  auto path =
      fuzz::write_scratch("input", std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    codecs::MediaInfo info = codecs::probe(path);
    (void)codecs::to_json(info);
    // Then read every packet, as a stream copy would.
    codecs::InputFile file(path);
    codecs::Packet pkt;
    for (int n = 0; n < 10000 && file.read(pkt); ++n) {
    }
  } catch (const Error& e) {
    fuzz::require(e.failure() == Failure::bad_input || e.failure() == Failure::runtime,
                  "unreadable media is an Error");
    fuzz::require(std::string(e.what()).find(path.string()) != std::string::npos,
                  "the error names the file");
  }
  return 0;
}
