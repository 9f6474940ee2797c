// The files objects are written to, checked before any work: by find_objects, and by run_model before
// a run with --objects (whose label image and table go beside its output).
#pragma once

#include <filesystem>

namespace deepimage::run {

// Throws invalid_argument when either exists (unless `overwrite`), its folder cannot take it, or both
// are one file.
void check_object_outputs(const std::filesystem::path& labels, const std::filesystem::path& table, bool overwrite);

}  // namespace deepimage::run
