// OpenMP threads wait passively unless the user says otherwise.
//
// LibTorch, oneDNN and OpenBLAS share libgomp's thread pool. Between parallel regions its idle
// threads spin; on a machine where another process wants a core, the spinning threads and the
// one doing work take turns on it, and a small tile went from 1.7 ms to 380 ms (docs/performance.md).
// OMP_WAIT_POLICY=PASSIVE makes idle threads sleep instead.
//
// libgomp reads the variable once, in its constructor, when it is loaded. Nothing the executable
// links loads it: it comes with an engine module (LibTorch, OpenCV, oneDNN; src/engine/engine_module.hpp),
// which is opened after main() has started, so setting the variable here is in time and no restart
// is needed. tests/e2e/cli/startup_test.cpp checks both: libgomp is not mapped by `--version`, and the
// libgomp an engine brings reports the passive policy (OMP_DISPLAY_ENV).
#include "passive_wait.hpp"

#include <cstdlib>

namespace deepimage::cli {

void wait_passively_unless_told() { setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0); }

}  // namespace deepimage::cli
