#include "codecs/av_error.h"

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
}

#include <atomic>
#include <mutex>

namespace shotchain::codecs {
namespace {

class AvCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ffmpeg"; }
  std::string message(int ev) const override { return av_error_text(ev); }
};

std::atomic<bool> g_level_set{false};
std::once_flag g_log_once;

} // namespace

const std::error_category& av_category() noexcept {
  static const AvCategory category;
  return category;
}

std::string av_error_text(int averror) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(averror, buf, sizeof buf) < 0) return "error " + std::to_string(averror);
  return buf;
}

void throw_av(Failure failure, int averror, std::string_view file, std::string_view what) {
  std::string msg(file);
  msg += ": ";
  msg += what;
  msg += ": ";
  msg += av_error_text(averror);
  throw Error(failure, make_av_error(averror), std::move(msg));
}

void throw_file(Failure failure, std::string_view file, std::string_view what) {
  std::string msg(file);
  msg += ": ";
  msg += what;
  throw Error(failure, std::move(msg));
}

void set_ffmpeg_log_level(int level) {
  g_level_set = true;
  av_log_set_level(level);
}

void init_ffmpeg_logging() {
  std::call_once(g_log_once, [] {
    if (!g_level_set) av_log_set_level(AV_LOG_QUIET);
  });
}

} // namespace shotchain::codecs
