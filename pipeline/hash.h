#pragma once
// SHA-256 of bytes and files (content hashes in the journal and provenance records).
#include <cstdint>
#include <filesystem>
#include <string>

namespace shotchain::pipeline {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  std::string hex(); // finishes; the object must not be updated afterwards

 private:
  void block(const std::uint8_t* p);
  std::uint32_t h_[8];
  std::uint8_t buf_[64];
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
};

std::string sha256_hex(const std::string& bytes);
// Throws Error(Failure::runtime) naming the file when it cannot be read.
std::string sha256_file(const std::filesystem::path& file);

} // namespace shotchain::pipeline
