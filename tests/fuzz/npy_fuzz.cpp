// Feeds a .npy file twice: from memory (read_npy_bytes, as bundles' test tensors are read) and from
// disk through the memory-mapped region source (open_npy), reading one box chosen by the input's last
// bytes and, when its declared size is small, the whole array.
#include <algorithm>

#include "deepimage/error.hpp"
#include "fuzz/fuzz_targets.hpp"
#include "io/npy.hpp"

namespace deepimage::fuzz {

void fuzz_npy(Bytes bytes) {
  try {
    io::read_npy_bytes(std::as_bytes(bytes), "fuzz.npy");
  } catch (const Error&) {
    // Refused from memory: the memory-mapped reader must refuse it as cleanly, so it runs too.
  }
  const auto path = fresh_scratch_folder() / "fuzz.npy";
  write_file(path, bytes);
  const auto source = io::open_npy(path);
  const io::ImageInfo& info = source->info();
  const Box box = box_from(bytes.last(std::min<std::size_t>(bytes.size(), 8)), info.shape, std::int64_t{1} << 20);
  if (box.rank() == info.shape.size()) source->read(box);
  if (byte_count(info.shape, dtype_size(info.dtype)) <= kMaxWholeReadBytes) source->read_all();
}

}  // namespace deepimage::fuzz
