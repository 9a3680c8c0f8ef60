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

void write_file_atomic(const std::filesystem::path& file, std::string_view bytes,
                       const AtomicWrite& how) {
  if (how.create_folder && file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
  }
  // Hidden, and unique per process and call: two writers never share a temporary.
  auto tmp =
      file.parent_path() / ("." + file.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                            "-" + std::to_string(temp_counter++));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, how.mode);
  if (fd < 0) fail(file, how, "cannot create", errno);
  ::fchmod(fd, how.mode); // exactly `mode`, whatever the umask
  if (!write_all(fd, bytes) || ::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(file, how, "write failed", err);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), file.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail(file, how, "cannot replace it", err);
  }
  fsync_folder(file);
}

} // namespace shotchain
