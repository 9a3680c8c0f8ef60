// Builds against the installed package and touches the public API.
#include <cstdio>

#include "common/error.h"

int main() {
  shotchain::Error e(shotchain::Failure::bad_input, "consumer: ok");
  std::printf("%s exit=%d\n", e.what(), e.exit_code());
  return e.exit_code() == 2 ? 0 : 1;
}
