// The libFuzzer entry of one fuzz target, fuzz_<name> (DEEPIMAGE_FUZZ_TARGET, set by CMake): feeds each
// input to the target's entry function. deepimage::Error is the parser refusing a bad input, as it
// should; any other exception escapes, and libFuzzer reports the abort as a crash.
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "deepimage/error.hpp"
#include "fuzz/fuzz_targets.hpp"

namespace {

const deepimage::fuzz::FuzzTarget& target() {
  static const deepimage::fuzz::FuzzTarget* t = [] {
    const auto* found = deepimage::fuzz::find_fuzz_target(DEEPIMAGE_FUZZ_TARGET);
    if (!found) {
      std::fprintf(stderr, "fuzz target \"%s\" is not in fuzz_targets()\n", DEEPIMAGE_FUZZ_TARGET);
      std::abort();
    }
    return found;
  }();
  return *t;
}

void remove_scratch_folder() {
  std::error_code ec;
  std::filesystem::remove_all(deepimage::fuzz::scratch_folder(), ec);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  target();
  std::atexit(remove_scratch_folder);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    target().run({data, size});
  } catch (const deepimage::Error&) {
  }
  return 0;
}
