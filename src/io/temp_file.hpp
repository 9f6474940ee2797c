// Temporary files for outputs: written beside the target under a recognisable hidden name, then
// renamed into place, so a failure never leaves a partial output.
//
//   const auto temp = claim_temp_path("out/result.tif");   // "out/.result.tif.deepimage-4242.tmp"
//   write(temp); std::filesystem::rename(temp, "out/result.tif");
//
// A process killed mid-write (SIGKILL, power loss) cannot remove its temporary file. The pid in the
// name says whose it is: claiming a temporary path for a target removes that target's leftovers of
// processes that no longer exist, and keeps those of live ones (another run may be writing).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace deepimage::io {

// This process's temporary name for `path`: hidden, in the same folder, with the pid.
std::filesystem::path temp_path_for(const std::filesystem::path& path);
// The pid in a temporary name temp_path_for made for `path` (or replace_with's `<temp>.old`); nullopt
// for any other name.
std::optional<pid_t> temp_file_owner(const std::filesystem::path& path, const std::filesystem::path& candidate);
// Removes the temporary files of `path` left by dead processes, then returns temp_path_for(path).
std::filesystem::path claim_temp_path(const std::filesystem::path& path);
// Throws not_found when the folder `path` is to go in does not exist.
void check_output_folder(const std::filesystem::path& path);
// rename(temp, path), also where both are folders (OME-Zarr) and `path` exists (--overwrite): the two
// swap names in one step (renameat2 RENAME_EXCHANGE) and the old one is removed, so `path` is always
// either the old image or the new one. Where the file system cannot swap, the old folder is moved
// aside first (`<temp>.old`); a run killed between the two renames leaves it for the next
// claim_temp_path, which puts it back.
void replace_with(const std::filesystem::path& temp, const std::filesystem::path& path);
// Writes `text` to `path` through a temporary file renamed into place: `path` is either unchanged
// or complete. Throws io naming `path`.
void write_file_via_temp(const std::filesystem::path& path, std::string_view text);
// `message` with the temporary name replaced by the target's: a writer names the file it writes, the
// user knows it by the target's name.
std::string naming_target(std::string message, const std::filesystem::path& temp, const std::filesystem::path& path);

}  // namespace deepimage::io
