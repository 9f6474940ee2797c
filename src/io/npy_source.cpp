// A .npy read a box at a time: the file is memory-mapped read-only, so a box costs the pages it
// touches, not the file. Fortran order is a matter of strides; big-endian values and bools are made
// native in the copied box only.
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deepimage/error.hpp"
#include "io/box_copy.hpp"
#include "io/npy.hpp"

namespace deepimage::io {
namespace {

// The whole file, mapped read-only for the life of the source.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(ErrorCode::io, "cannot open \"" + path.string() + "\" for reading: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      throw Error(ErrorCode::io, "cannot read \"" + path.string() + "\": " + std::strerror(err));
    }
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {  // mmap refuses an empty length; an empty file fails the header check instead
      void* data = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      const int err = errno;
      ::close(fd);
      if (data == MAP_FAILED) throw Error(ErrorCode::io, "cannot map \"" + path.string() + "\": " + std::strerror(err));
      data_ = static_cast<const std::byte*>(data);
    } else {
      ::close(fd);
    }
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::span<const std::byte> bytes() const { return {data_, size_}; }

 private:
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

// Fortran order stores the first axis fastest: the C strides of the reversed shape, reversed.
std::vector<std::int64_t> stored_strides(const NpyHeader& header) {
  if (!header.fortran_order) return strides_of(header.shape);
  Shape reversed(header.shape.rbegin(), header.shape.rend());
  const auto strides = strides_of(reversed);
  return {strides.rbegin(), strides.rend()};
}

class NpySource : public ImageSource {
 public:
  NpySource(const std::filesystem::path& path, std::unique_ptr<MappedFile> file, const NpyHeader& header)
      : ImageSource(path, {header.shape, "", header.dtype, std::nullopt}),
        file_(std::move(file)),
        header_(header),
        strides_(stored_strides(header)) {}

 protected:
  Tensor read_box(const Box& box) const override {
    Tensor part(header_.dtype, box.shape());
    copy_box_out(file_->bytes().data() + header_.data_offset, header_.shape, strides_, dtype_size(header_.dtype), box,
                 part.bytes());
    npy_to_native(header_, part.bytes(), static_cast<std::size_t>(part.element_count()));
    return part;
  }

 private:
  std::unique_ptr<MappedFile> file_;
  NpyHeader header_;
  std::vector<std::int64_t> strides_;
};

}  // namespace

std::unique_ptr<ImageSource> open_npy(const std::filesystem::path& path) {
  auto file = std::make_unique<MappedFile>(path);
  const NpyHeader header = read_npy_header(file->bytes(), path.string());
  return std::make_unique<NpySource>(path, std::move(file), header);
}

}  // namespace deepimage::io
