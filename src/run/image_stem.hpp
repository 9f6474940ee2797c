// The name results are made from: an image file's name without its format's extension.
#pragma once

#include <filesystem>
#include <string>

namespace deepimage::run {

// Double extensions included, any case: "cells" for "cells.tif", "cells.ome.tif", "cells.OME.TIFF",
// "cells.ome.zarr" and "cells.ome.zarr/".
std::string image_stem(const std::filesystem::path& image);

}  // namespace deepimage::run
