// Draws DownloadProgress on stderr: a bar redrawn in place on a terminal; otherwise a line per file
// when it is done and one every `plain_every_s` seconds while a long one runs (logs, pipes, CI).
#pragma once

#include "deepimage/pull.hpp"

namespace deepimage::cli {

DownloadCallback download_display(double plain_every_s = 5.0);

}  // namespace deepimage::cli
