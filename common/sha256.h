#pragma once
// SHA-256 (FIPS 180-4) for content hashes: the upload cache key, request fingerprints, and the
// journal and provenance checksums. One implementation shared by remote/ and pipeline/.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace shotchain {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::string hex(); // finishes; the object is then spent

 private:
  void block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t used_ = 0;
  std::uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view data);
// Hash of a file's bytes; throws shotchain::Error (bad_input) when it cannot be read.
std::string sha256_file(const std::filesystem::path& file);

} // namespace shotchain
