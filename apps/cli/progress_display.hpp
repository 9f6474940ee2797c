// Draws ProgressEvents on stderr: a live line redrawn in place on a terminal, a plain line every
// `plain_every_s` seconds otherwise (logs, pipes, CI).
#pragma once

#include "deepimage/progress.hpp"

namespace deepimage::cli {

ProgressCallback progress_display(double plain_every_s = 5.0);

}  // namespace deepimage::cli
