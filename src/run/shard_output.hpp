// ShardOutput — the one OME-Zarr output every shard of a sharded run writes into, without locks:
// its metadata made by whichever shard comes first, each chunk written by the one shard that owns it.
//
//   ShardOutput out("result.ome.zarr", info);      // creates the folder's metadata, or joins it
//   out.write(box, pixels);                        // box: whole chunks (or up to the array's end)
//
// Metadata (.zgroup, .zattrs, 0/.zarray) is made by the OME-Zarr writer itself (io/zarr.hpp), so it
// is exactly what the unsharded run writes, in a private folder renamed into place: rename() of a
// folder onto an existing one fails, so of shards racing, one wins and the others find the same
// bytes there (checked: an output of another run, another image or model, is refused). Chunks go
// through a temporary name renamed into place (ZarrArray::write_chunk), so a shard killed mid-chunk
// leaves no partial chunk, and running a shard again replaces its chunks.
//
// Only level 0 is written (the writer's pyramid levels need every chunk; `deepimage pyramid` adds
// them once all shards are done). Level 0 is stored in NGFF's axis order (t, c, z, y, x:
// io::ngff_axis_order); boxes, pixels and chunks() are in the run's order (`info.axes`) and are
// transposed on write.
#pragma once

#include <filesystem>

#include "io/image_region.hpp"
#include "io/zarr_array.hpp"

namespace deepimage::run {

class ShardOutput {
 public:
  ShardOutput(std::filesystem::path target, const io::ImageInfo& info);
  // `pixels`: the output's axes, the box's shape. Throws internal when `box` cuts a chunk.
  void write(const Box& box, const Tensor& pixels) const;
  // The chunk shape, in the output's axes (info.axes).
  const Shape& chunks() const { return chunks_; }

 private:
  std::filesystem::path target_;
  io::ZarrArray array_;
  std::string stored_axes_;      // level 0's axis order
  std::vector<std::size_t> from_;  // per stored axis, its index in info.axes
  Shape chunks_;
};

}  // namespace deepimage::run
