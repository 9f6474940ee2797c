// The sha256 of a file, read in chunks (weights may be gigabytes), as lower-case hex.
#pragma once

#include <filesystem>
#include <string>

namespace deepimage::pull {

std::string file_sha256(const std::filesystem::path& path);

// Throws bad_model "<what>: sha256 mismatch (expected E, got A)" unless they match (case ignored).
void check_sha256(const std::filesystem::path& path, const std::string& expected, const std::string& what);

}  // namespace deepimage::pull
