#include "run/shard_output.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "deepimage/error.hpp"
#include "io/box_copy.hpp"
#include "io/temp_file.hpp"
#include "io/zarr.hpp"
#include "io/zarr_chunks.hpp"

namespace deepimage::run {
namespace {

namespace fs = std::filesystem;

// What two shards of the same run must agree on: the metadata files' bytes.
std::string metadata_of(const fs::path& folder) {
  std::string all;
  for (const char* name : {".zgroup", ".zattrs", "0/.zarray"}) {
    std::ifstream in(folder / name, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    all += std::string(name) + "\n" + text.str() + "\n";
  }
  return all;
}

// A folder name no other process uses, on any machine: hidden, beside the target, with host and pid
// (temp_file.hpp's names carry only the pid, which another node may share).
fs::path private_folder(const fs::path& target) {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return target.parent_path() / ("." + target.filename().string() + ".shard-" + host + "-" + std::to_string(getpid()) + ".tmp");
}

}  // namespace

ShardOutput::ShardOutput(fs::path target, const io::ImageInfo& level_0) : target_(std::move(target)) {
  io::ImageInfo info = level_0;
  info.pyramid_levels = 1;
  const fs::path staging = private_folder(target_);
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging);
  std::string ours;
  {
    // The OME-Zarr writer makes the metadata in its temporary folder at once; that folder, before any
    // chunk, is renamed to the target.
    const fs::path inside = staging / target_.filename();
    const auto sink = io::create_image(inside, info);
    const fs::path made = io::temp_path_for(inside);
    ours = metadata_of(made);
    fs::rename(made, target_, ec);
  }
  fs::remove_all(staging);
  if (ec) {
    if (!fs::is_directory(target_))
      throw Error(ErrorCode::io, "cannot create \"" + target_.string() + "\": " + ec.message());
    if (metadata_of(target_) != ours)
      throw Error(ErrorCode::invalid_argument, "\"" + target_.string() + "\" exists and is not an output of this sharded run "
                                               "(its shape, type or metadata differ); remove it or choose another -o");
  }
  array_ = io::read_zarr_array(target_ / "0");
  stored_axes_ = io::ngff_axis_order(info.axes);
  chunks_ = Shape(info.axes.size());
  for (char a : stored_axes_) from_.push_back(info.axes.find(a));
  for (std::size_t d = 0; d < from_.size(); ++d) chunks_[from_[d]] = array_.chunks[d];
}

void ShardOutput::write(const Box& run_box, const Tensor& pixels) const {
  Box box{Shape(from_.size()), Shape(from_.size())};
  for (std::size_t d = 0; d < from_.size(); ++d) box.begin[d] = run_box.begin[from_[d]], box.end[d] = run_box.end[from_[d]];
  const Tensor stored = pixels.axes() == stored_axes_ ? pixels : pixels.transposed(stored_axes_);
  const Tensor values = stored.dtype() == array_.dtype ? stored : stored.converted(array_.dtype);
  const std::size_t es = dtype_size(array_.dtype);
  const auto chunk_strides = strides_of(array_.chunks), box_strides = strides_of(values.shape());
  io::for_each_chunk(array_.shape, array_.chunks, box, [&](const io::ChunkPart& p) {
    if (element_count(p.in_chunk.shape()) != p.chunk_valid)
      throw Error(ErrorCode::internal, "\"" + target_.string() + "\": box " + box.to_string() + " cuts a chunk");
    std::vector<std::byte> chunk(static_cast<std::size_t>(array_.chunk_elements()) * es);  // zeros beyond the array's end
    std::vector<std::byte> part(static_cast<std::size_t>(p.chunk_valid) * es);
    io::copy_box_out(values.bytes(), values.shape(), box_strides, es, p.in_box, part.data());
    io::copy_box_in(chunk.data(), array_.chunks, chunk_strides, es, p.in_chunk, part.data());
    array_.write_chunk(p.index, chunk);
  });
}

}  // namespace deepimage::run
