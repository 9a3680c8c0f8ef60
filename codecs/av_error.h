#pragma once
// AVERROR codes as a std::error_category (avcpp's averror.h habit), and helpers that throw
// shotchain::Error with a one-line message naming the file.
#include <string>
#include <string_view>
#include <system_error>

#include "common/error.h"

namespace shotchain::codecs {

const std::error_category& av_category() noexcept;
inline std::error_code make_av_error(int averror) { return {averror, av_category()}; }
// FFmpeg's own text for an AVERROR ("Invalid data found when processing input").
std::string av_error_text(int averror);

// Throws Error(failure, av code, "<file>: <what>: <FFmpeg text>").
[[noreturn]] void throw_av(Failure failure, int averror, std::string_view file,
                           std::string_view what);
// Throws Error(failure, "<file>: <what>") with no AVERROR attached.
[[noreturn]] void throw_file(Failure failure, std::string_view file, std::string_view what);

// Returns `ret` when it is not an error (>= 0); otherwise throw_av(...).
inline int check_av(int ret, Failure failure, std::string_view file, std::string_view what) {
  if (ret < 0) throw_av(failure, ret, file, what);
  return ret;
}

// FFmpeg logs to stderr by default; shotchain keeps it quiet (errors come back as exceptions
// that name the file) unless asked: level is an AV_LOG_* value. Called once by the codecs
// layer on first use with AV_LOG_QUIET unless the program set a level before.
void set_ffmpeg_log_level(int level);
void init_ffmpeg_logging();

} // namespace shotchain::codecs
