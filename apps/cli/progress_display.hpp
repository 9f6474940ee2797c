// Draws ProgressEvents on stderr: a live line redrawn in place on a terminal, a plain line every
// `plain_every_s` seconds otherwise (logs, pipes, CI).
#pragma once

#include <string>

#include "deepimage/progress.hpp"

namespace deepimage::cli {

ProgressCallback progress_display(double plain_every_s = 5.0);

// One JSON object per event on stderr, on a line of its own and flushed at once: for programs that
// drive the CLI (the ImageJ plugin), which read stderr line by line. The keys are ProgressEvent's
// fields; "error: ..." and "warning: ..." lines keep their plain form around them.
ProgressCallback progress_json();

// The callback `--progress MODE` names: "auto" (progress_display), "json" (progress_json), "none".
ProgressCallback progress_for(const std::string& mode, double plain_every_s);

}  // namespace deepimage::cli
