#include "io/temp_file.hpp"

#include <cerrno>
#include <charconv>
#include <csignal>
#include <fstream>
#include <string>

#include "deepimage/error.hpp"

#include <fcntl.h>  // AT_FDCWD
#include <stdio.h>  // renameat2, RENAME_EXCHANGE (glibc 2.28)
#include <unistd.h>

namespace deepimage::io {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTag = ".deepimage-";
constexpr const char* kSuffix = ".tmp";
// replace_with's old folder, moved aside under the temporary name plus this when the file system
// cannot swap two names at once.
constexpr const char* kAsideSuffix = ".old";

bool ends_with(const std::string& s, const std::string& end) {
  return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

std::string prefix_for(const fs::path& path) { return "." + path.filename().string() + kTag; }

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

}  // namespace

fs::path temp_path_for(const fs::path& path) {
  return path.parent_path() / (prefix_for(path) + std::to_string(::getpid()) + kSuffix);
}

std::optional<pid_t> temp_file_owner(const fs::path& path, const fs::path& candidate) {
  std::string name = candidate.filename().string();
  if (ends_with(name, kAsideSuffix)) name.resize(name.size() - std::string(kAsideSuffix).size());
  const std::string prefix = prefix_for(path), suffix = kSuffix;
  if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return std::nullopt;
  const char* begin = name.data() + prefix.size();
  const char* end = name.data() + name.size() - suffix.size();
  pid_t pid = 0;
  const auto [ptr, ec] = std::from_chars(begin, end, pid);
  if (ec != std::errc() || ptr != end || pid <= 0) return std::nullopt;
  return pid;
}

fs::path claim_temp_path(const fs::path& path) {
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const auto owner = temp_file_owner(path, it->path());
    if (owner && *owner != ::getpid() && !process_exists(*owner)) {
      std::error_code ignored;  // another process may have removed it first; that is fine
      // An old folder moved aside by a replace_with killed before the new one took its name: `path`
      // is put back as it was, as if that run had never committed.
      if (ends_with(it->path().filename().string(), kAsideSuffix) && !fs::exists(path, ignored)) {
        fs::rename(it->path(), path, ignored);
        if (!ignored) continue;
      }
      fs::remove_all(it->path(), ignored);  // a folder too (convert writes one)
    }
  }
  return temp_path_for(path);
}

void replace_with(const fs::path& temp, const fs::path& path) {
  std::error_code ec;
  if (!fs::is_directory(temp, ec) || !fs::is_directory(path, ec)) {
    fs::rename(temp, path);
    return;
  }
  // One atomic step where the file system can (Linux ext4, xfs, btrfs, tmpfs): the two folders swap
  // names, and the old one, now under this process's temporary name, is removed. Killed before the
  // removal, the old folder is a dead process's temporary, which the next claim_temp_path removes.
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove_all(temp, ec);
    return;
  }
  // Otherwise two renames, the old folder aside under a name claim_temp_path knows: killed between
  // them, the next claim for `path` puts the old folder back.
  const fs::path old = temp.string() + kAsideSuffix;
  fs::rename(path, old);
  fs::rename(temp, path);
  fs::remove_all(old, ec);
}

void check_output_folder(const fs::path& path) {
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw Error(ErrorCode::not_found, "cannot write \"" + path.string() + "\": folder \"" + folder.string() +
                                          "\" does not exist");
}

void write_file_via_temp(const fs::path& path, std::string_view text) {
  check_output_folder(path);
  const fs::path temp = claim_temp_path(path);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      fs::remove(temp, ignored);
      throw Error(ErrorCode::io, "cannot write \"" + path.string() + "\"");
    }
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw Error(ErrorCode::io, "cannot write \"" + path.string() + "\": " + ec.message());
  }
}

std::string naming_target(std::string message, const fs::path& temp, const fs::path& path) {
  const std::string temp_name = temp.string(), name = path.string();
  for (auto at = message.find(temp_name); at != std::string::npos; at = message.find(temp_name, at + name.size()))
    message.replace(at, temp_name.size(), name);
  return message;
}

}  // namespace deepimage::io
