// PlaneStream — one image plane larger than memory, run a row of tiles at a time.
//
//   auto per_tile = plane_stream_preprocessing(spec, source, model_shape, 1.0, true);   // nullopt: cannot stream
//   stream_plane(predictor, spec, source, plan, pad, *per_tile, write_rows, after_tile, engine_s);
//
// First passes over the file, band by band, gather the whole-image statistics the preprocessing needs
// (ops/prepared_ops.hpp), so that it applies to each tile alone. Then, for each row of tiles, only the image
// rows those tiles read are in memory (mirrored at the borders as the pad mode says), the tiles run,
// their valid parts fill one band of output rows, the band is postprocessed and written. The result
// equals the whole-image run's. Conditions: a single plane (no stack loop), a 2D model with one input
// and one single-channel output of the input's size, preprocessing whose statistics reduce over y
// and x (kept per batch or channel at most) and name no reference tensor, and postprocessing that
// needs no statistics.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/slice_io.hpp"
#include "ops/prepared_ops.hpp"
#include "run/predictor.hpp"

namespace deepimage::run {

struct PlaneSource {
  const io::SliceReader& reader;
  std::string file;                // for messages
  std::vector<int> channels;       // --channels, or empty
};

// The preprocessing, ready for tiles, when this plane can stream, else nullopt. `model_shape`: the
// image in the model's input axes; `output_values_per_pixel`: measured by the memory planner's probes
// (1 for one single-channel output of the input's size). With `gather_statistics` the file is read
// once per statistics pass; without, only whether streaming is possible is decided (the statistics
// of the ops returned are then not gathered).
std::optional<ops::PreparedOps> plane_stream_preprocessing(const ModelSpec& spec, const PlaneSource& source,
                                                              const Shape& model_shape, double output_values_per_pixel,
                                                              bool gather_statistics);

// Runs `plan` (axes "yx") tile row by tile row and hands each band of output rows (image axes,
// postprocessed) to `write_rows`, top to bottom.
void stream_plane(Predictor& predictor, const ModelSpec& spec, const PlaneSource& source, const tiling::TilePlan& plan,
                  tiling::PadMode pad, const ops::PreparedOps& per_tile_preprocessing,
                  const std::function<void(const Tensor&)>& write_rows, const std::function<void()>& after_tile,
                  double& engine_s);

// The bytes stream_plane holds besides the engine: one band of input rows (raw, gathered and as
// float32) and one band of output rows (and its postprocessed copy), for tiles of `tile_shape`.
std::uint64_t plane_stream_buffer_bytes(const Shape& image_shape_model_axes, DType raw, const std::vector<std::int64_t>& tile_shape,
                                        double output_values_per_pixel);

}  // namespace deepimage::run
