#include "io/positional_file.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include "deepimage/error.hpp"

namespace deepimage::io {

PositionalFile::PositionalFile(const std::filesystem::path& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(ErrorCode::io, "cannot write \"" + path.string() + "\": " + std::strerror(errno));
}

PositionalFile::~PositionalFile() {
  if (fd_ >= 0) ::close(fd_);
}

void PositionalFile::fail(int error) const {
  throw Error(ErrorCode::io, "cannot write \"" + path_.string() + "\" (disk full?): " + std::strerror(error));
}

void PositionalFile::write_at(std::uint64_t offset, const std::byte* data, std::size_t count) {
  while (count > 0) {
    const ssize_t n = ::pwrite(fd_, data, count, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(n < 0 ? errno : ENOSPC);
    data += n, count -= static_cast<std::size_t>(n), offset += static_cast<std::uint64_t>(n);
  }
}

void PositionalFile::resize(std::uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) fail(errno);
}

void PositionalFile::close() {
  const int fd = fd_;
  fd_ = -1;
  if (fd >= 0 && ::close(fd) != 0) fail(errno);
}

}  // namespace deepimage::io
