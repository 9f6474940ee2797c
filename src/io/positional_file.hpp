// PositionalFile — a file being written at chosen offsets (pwrite), for outputs whose layout is fixed
// before the first pixel arrives (TIFF hyperstack, .npy), so boxes can be written in any order.
//
//   PositionalFile f(temp);                 // created (truncated), closed by the destructor
//   f.resize(total);                        // optional: the final size at once
//   f.write_at(offset, bytes, count);       // throws Error(io) naming the file ("disk full?")
//   f.close();                              // throws when the last writes fail
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace deepimage::io {

class PositionalFile {
 public:
  explicit PositionalFile(const std::filesystem::path& path);
  ~PositionalFile();
  PositionalFile(const PositionalFile&) = delete;
  PositionalFile& operator=(const PositionalFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  void write_at(std::uint64_t offset, const std::byte* data, std::size_t count);
  void write_at(std::uint64_t offset, const std::vector<std::byte>& bytes) { write_at(offset, bytes.data(), bytes.size()); }
  void resize(std::uint64_t size);
  void close();

 private:
  [[noreturn]] void fail(int error) const;
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace deepimage::io
