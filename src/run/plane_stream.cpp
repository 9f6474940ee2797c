#include "run/plane_stream.hpp"

#include <algorithm>
#include <span>

#include "deepimage/error.hpp"
#include "ops/op.hpp"
#include "ops/prepared_ops.hpp"
#include "run/axis_mapping.hpp"
#include "tiling/padding.hpp"

namespace deepimage::run {
namespace {

// Statistics passes: bands of about this many rows are read, scanned and dropped.
constexpr std::int64_t kStatisticsBandRows = 256;

std::int64_t image_height(const PlaneSource& s) { return s.reader.shape()[s.reader.axes().find('y')]; }

// Rows [y0, y1) of the image in the model's input axes, raw type.
Tensor model_rows(const ModelSpec& spec, const PlaneSource& s, std::int64_t y0, std::int64_t y1) {
  Tensor rows = s.reader.read_rows(y0, y1);
  if (!s.channels.empty()) rows = select_channels(rows, s.channels, s.file);
  return to_model_axes(rows, spec.inputs[0], s.file);
}

// The rows [r0, r0 + count) of the padded image, from `band` (image rows [lo, ...), model axes).
Tensor gather_rows(const Tensor& band, std::int64_t lo, std::int64_t r0, std::int64_t count, std::int64_t height,
                   tiling::PadMode pad) {
  Shape shape = band.shape();
  shape[static_cast<std::size_t>(band.axis_index('y'))] = count;
  Tensor out(band.dtype(), shape, band.axes());  // zero-filled: what `zeros` padding leaves
  for (std::int64_t i = 0; i < count; ++i) {
    const std::int64_t src = tiling::source_index(r0 + i, height, pad);
    if (src < 0) continue;
    tiling::write_box(out, "y", Box{{i}, {i + 1}}, band, Box{{src - lo}, {src - lo + 1}});
  }
  return out;
}

}  // namespace

std::optional<ops::PreparedOps> plane_stream_preprocessing(const ModelSpec& spec, const PlaneSource& source,
                                                          const Shape& model_shape, double output_values_per_pixel,
                                                          bool gather_statistics) {
  if (spec.inputs.size() != 1 || spec.outputs.size() != 1) return std::nullopt;
  const TensorSpec& input = spec.inputs[0];
  const std::string axes = input.axes_string();
  if (axes.find('z') != std::string::npos || source.reader.axes().find_first_of("tz") != std::string::npos) return std::nullopt;
  // One output channel of the input's size: its rows can be written as they come.
  if (output_values_per_pixel != 1.0) return std::nullopt;
  if (!ops::is_pointwise(spec.outputs[0].postprocessing, spec.outputs[0].axes_string())) return std::nullopt;
  // A reference tensor would have to be whole in memory.
  for (const OpSpec& op : input.preprocessing)
    if (op.kwargs.is_object() && op.kwargs.contains("reference_tensor")) return std::nullopt;
  ops::PreparedOps prepared(input.preprocessing, axes, model_shape);
  // Bands cut y and tiles cut x: statistics may only be kept separate along the others.
  if (prepared.kept_axes().find_first_of("yx") != std::string::npos) return std::nullopt;
  if (!gather_statistics) return prepared;

  const std::int64_t height = image_height(source);
  while (prepared.start_pass())
    for (std::int64_t y = 0; y < height; y += kStatisticsBandRows)
      prepared.scan(model_rows(spec, source, y, std::min(height, y + kStatisticsBandRows)));
  return prepared;
}

void stream_plane(Predictor& predictor, const ModelSpec& spec, const PlaneSource& source, const tiling::TilePlan& plan,
                  tiling::PadMode pad, const ops::PreparedOps& per_tile_preprocessing,
                  const std::function<void(const Tensor&)>& write_rows, const std::function<void()>& after_tile,
                  double& engine_s) {
  if (plan.axes != "yx") throw Error(ErrorCode::internal, "a streamed plane needs tiles over y, x");
  const TensorSpec& input = spec.inputs[0];
  const std::int64_t height = image_height(source);
  const std::int64_t columns = plan.grid.at(1);
  const std::string& image_axes = source.reader.axes();
  for (std::int64_t row = 0; row < plan.grid.at(0); ++row) {
    const tiling::Tile& first = plan.tiles.at(static_cast<std::size_t>(row * columns));
    const std::int64_t r0 = first.read.begin[0], r1 = first.read.end[0];
    // The image rows this row of tiles reads, after mirroring.
    std::int64_t lo = height, hi = -1;
    for (std::int64_t r = r0; r < r1; ++r)
      if (const std::int64_t src = tiling::source_index(r, height, pad); src >= 0) lo = std::min(lo, src), hi = std::max(hi, src);
    Tensor band = model_rows(spec, source, lo, hi + 1);
    // Rows inside the image are the band as read; only the top and bottom rows of tiles mirror.
    if (r0 < 0 || r1 > height) band = gather_rows(band, lo, r0, r1 - r0, height, pad);

    // The row's tiles through the one tile loop (Predictor::run_tiles), reading from the band.
    const std::int64_t w0 = first.write.begin[0], w1 = first.write.end[0];
    const auto read_tile = [&](const tiling::Tile& tile) {
      Tensor in = tiling::read_padded(band, "yx", Box{{0, tile.read.begin[1]}, {r1 - r0, tile.read.end[1]}}, pad);
      return std::vector<Tensor>{per_tile_preprocessing.apply(in).converted(input.data_type)};
    };
    const auto row_tiles = std::span(plan.tiles).subspan(static_cast<std::size_t>(row * columns), static_cast<std::size_t>(columns));
    Tensor out_band = predictor.run_tiles(plan, row_tiles, {w0, 0}, {w1 - w0, band.size('x')}, read_tile, after_tile, engine_s).at(0);
    ops::OpContext context;
    context.tensors[spec.outputs[0].id] = &out_band;
    write_rows(to_image_axes(ops::apply_postprocessing(out_band, spec.outputs[0], context), image_axes));
  }
}

std::uint64_t plane_stream_buffer_bytes(const Shape& image_shape, DType raw, const std::vector<std::int64_t>& tile_shape,
                                        double output_values_per_pixel) {
  // image_shape in model axes "bcyx": values per image row = c * x.
  const double width = static_cast<double>(image_shape.back());
  const double per_row = static_cast<double>(element_count(image_shape)) / static_cast<double>(image_shape.at(image_shape.size() - 2));
  const double band_rows = static_cast<double>(tile_shape.at(0));
  const double input = band_rows * per_row * (2.0 * static_cast<double>(dtype_size(raw)) + 4.0);  // read, gathered, one float tile row
  const double output = band_rows * width * output_values_per_pixel * 4.0 * 3.0;                 // band, postprocessed, converted
  return static_cast<std::uint64_t>(input + output);
}

}  // namespace deepimage::run
