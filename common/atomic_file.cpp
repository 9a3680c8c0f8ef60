#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace shotchain {
namespace {

std::atomic<unsigned> temp_counter{0};

[[noreturn]] void fail(const std::filesystem::path& file, const AtomicWrite& how, const char* step,
                       int err) {
  std::string what = how.what.empty() ? "" : " (" + how.what + ")";
  throw Error(Failure::runtime, std::error_code(err, std::generic_category()),
              file.string() + what + ": " + step + ": " + std::strerror(err));
}

bool write_all(int fd, std::string_view bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// The folder's entry of the renamed file is durable only once the folder is fsynced.
void fsync_folder(const std::filesystem::path& file) {
  auto dir = file.parent_path();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return; // the data is in place; only its durability across a power cut is unsure
  ::fsync(fd);
  ::close(fd);
}

} // namespace

AtomicFile::AtomicFile(std::filesystem::path file, AtomicWrite how)
    : file_(std::move(file)), how_(std::move(how)) {
  if (how_.create_folder && file_.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file_.parent_path(), ec);
  }
  // Hidden, and unique per process and call: two writers never share a temporary.
  tmp_ = file_.parent_path() / ("." + file_.filename().string() + ".tmp-" +
                                std::to_string(::getpid()) + "-" + std::to_string(temp_counter++));
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, how_.mode);
  if (fd_ < 0) fail(file_, how_, "cannot create", errno);
  ::fchmod(fd_, how_.mode); // exactly `mode`, whatever the umask
}

AtomicFile::~AtomicFile() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(tmp_.c_str());
}

void AtomicFile::write(std::string_view bytes) {
  if (!write_all(fd_, bytes)) fail(file_, how_, "write failed", errno);
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0) fail(file_, how_, "write failed", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0 || ::rename(tmp_.c_str(), file_.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp_.c_str());
    fail(file_, how_, "cannot replace it", err);
  }
  fsync_folder(file_);
}

void write_file_atomic(const std::filesystem::path& file, std::string_view bytes,
                       const AtomicWrite& how) {
  AtomicFile out(file, how);
  out.write(bytes);
  out.commit();
}

} // namespace shotchain
