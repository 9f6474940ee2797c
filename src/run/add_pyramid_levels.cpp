// add_pyramid_levels (deepimage/run.hpp): the step after a sharded run, over io's pyramid builder.
#include <string>

#include "deepimage/error.hpp"
#include "deepimage/run.hpp"
#include "io/zarr.hpp"

namespace deepimage {

void add_pyramid_levels(const std::filesystem::path& ome_zarr, int levels) {
  if (levels < 0)
    throw Error(ErrorCode::invalid_argument, "--levels " + std::to_string(levels) + " is negative; expected 0 (down to one chunk) or more");
  if (!std::filesystem::is_directory(ome_zarr))
    throw Error(ErrorCode::not_found, "\"" + ome_zarr.string() + "\" is not a folder; expected an OME-Zarr image (.ome.zarr)");
  io::add_ome_zarr_pyramid(ome_zarr, levels);
}

}  // namespace deepimage
