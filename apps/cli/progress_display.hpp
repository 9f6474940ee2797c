// Draws ProgressEvents on stderr: a live line redrawn in place on a terminal, plain lines every few
// seconds otherwise (logs, pipes, CI).
#pragma once

#include "deepimage/progress.hpp"

namespace deepimage::cli {

ProgressCallback progress_display();

}  // namespace deepimage::cli
