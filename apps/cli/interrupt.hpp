// Ctrl-C (SIGINT) and SIGTERM ask a run to stop at the next tile instead of killing the process, so
// temporary files are removed and no partial output is left. A second signal kills as usual.
#pragma once

#include <atomic>

namespace deepimage::cli {

// Installs the handlers once and returns the flag they set.
const std::atomic<bool>* interrupt_flag();

}  // namespace deepimage::cli
