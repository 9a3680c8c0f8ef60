#pragma once
// The one exception type every layer throws. It carries the exit code class the command
// reports (DESIGN.md: 1 run time, 2 bad usage or input, 3 refused by the service, 130
// interrupted) so that cli/ maps errors to exit codes without knowing which layer failed.
// Layers put their own error category (AVERROR, CURLcode, HTTP) in code().
#include <string>
#include <system_error>

namespace shotchain {

enum class Failure : int {
  runtime = 1,      // network, disk, remote outage: something failed while running
  bad_input = 2,    // bad usage or bad input: nothing was spent
  refused = 3,      // the service refused the request or the prediction failed
  interrupted = 130 // SIGINT/SIGTERM; the journal keeps everything paid for
};

class Error : public std::system_error {
 public:
  // `message` is the whole one-line text users see; it names the file, URL (query
  // redacted), shot id or prediction id it is about.
  Error(Failure failure, std::error_code code, std::string message)
      : std::system_error(code, message), failure_(failure), message_(std::move(message)) {}
  Error(Failure failure, std::string message)
      : Error(failure, std::make_error_code(std::errc::invalid_argument), std::move(message)) {}

  // system_error's what() appends the category text; ours is already complete.
  const char* what() const noexcept override { return message_.c_str(); }
  Failure failure() const noexcept { return failure_; }
  int exit_code() const noexcept { return static_cast<int>(failure_); }

 private:
  Failure failure_;
  std::string message_;
};

} // namespace shotchain
