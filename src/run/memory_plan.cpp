#include "run/memory_plan.hpp"

#include <algorithm>
#include <cmath>

#include "run/memory.hpp"

namespace deepimage::run {
namespace {

constexpr double bytes_per_value = 4;  // float32: what the engines and the stitched outputs hold

std::int64_t product(const std::vector<std::int64_t>& v) {
  std::int64_t p = 1;
  for (auto x : v) p *= x;
  return p;
}

// Probe tiles of about `pixels` pixels: the same edge on every tiled axis, valid for the model.
std::vector<std::int64_t> probe_tile(const std::vector<tiling::AxisTiling>& axes, double pixels) {
  const auto edge = static_cast<std::int64_t>(std::round(std::pow(pixels, 1.0 / static_cast<double>(axes.size()))));
  std::vector<std::int64_t> tile;
  for (const auto& a : axes)
    tile.push_back(a.rule.step > 0 ? a.rule.smallest_at_least(std::max(tiling::smallest_usable_tile(a), edge)) : a.rule.min);
  return tile;
}

// Inputs sized as a multiple or fraction of the first get tiles scaled alike (Predictor::input_ratio).
std::vector<Shape> probe_shapes(const Predictor& predictor, const std::vector<tiling::AxisTiling>& axes,
                                const std::vector<Shape>& slice_shapes, const std::vector<std::int64_t>& tile) {
  std::vector<Shape> shapes = slice_shapes;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (shapes[i].empty()) continue;  // an optional input left out
    const std::string ids = predictor.spec().inputs.at(i).axes_string();
    for (std::size_t k = 0; k < axes.size(); ++k)
      if (const auto at = ids.find(axes[k].id); at != std::string::npos)
        shapes[i][at] = static_cast<std::int64_t>(std::llround(static_cast<double>(tile[k]) * predictor.input_ratio(i, axes[k].id)));
  }
  return shapes;
}

// The largest size the rule allows that is <= `size` (the rule's minimum when none is).
std::int64_t largest_at_most(const tiling::SizeRule& rule, std::int64_t size) {
  if (rule.step <= 0 || size <= rule.min) return rule.min;
  return rule.min + (size - rule.min) / rule.step * rule.step;
}

bool can_change(const tiling::AxisTiling& a) { return a.rule.step > 0 && !a.tile; }

}  // namespace

std::uint64_t TileMemory::tile_bytes(std::int64_t tile_pixels) const {
  return static_cast<std::uint64_t>(std::max(0.0, fixed_bytes + bytes_per_pixel * static_cast<double>(tile_pixels)));
}

TileMemory measure_tile_memory(Predictor& predictor, const std::vector<tiling::AxisTiling>& axes,
                               const std::vector<Shape>& slice_shapes) {
  // About 256^2 and 512^2 pixels in 2D (40^3 and 64^3 in 3D): large enough that the per-pixel part
  // dominates, small enough to cost a fraction of a second.
  const std::vector<std::int64_t> small = probe_tile(axes, 1 << 16), large = probe_tile(axes, 1 << 18);
  // No warm-up run: the engine's one-time setup on its first run is part of a real run's peak too.
  const std::uint64_t base = current_rss_bytes();
  TileMemory m;
  const auto measure = [&](const std::vector<std::int64_t>& tile, std::vector<Shape>* outputs) {
    m.measured = reset_peak_rss();
    std::vector<Shape> out = predictor.probe(probe_shapes(predictor, axes, slice_shapes, tile));
    if (outputs) *outputs = std::move(out);
    const std::uint64_t peak = peak_rss_since_reset();
    return peak > base ? static_cast<double>(peak - base) : 0.0;
  };
  std::vector<Shape> outputs;
  const double small_peak = measure(small, &outputs);
  const auto small_pixels = static_cast<double>(product(small)), large_pixels = static_cast<double>(product(large));
  m.fixed_bytes = small_peak;
  if (large != small) {
    const double large_peak = measure(large, &outputs);
    m.bytes_per_pixel = std::max(0.0, (large_peak - small_peak) / (large_pixels - small_pixels));
    m.fixed_bytes = std::max(0.0, small_peak - m.bytes_per_pixel * small_pixels);
  }
  double output_values = 0;
  for (const Shape& s : outputs) output_values += static_cast<double>(element_count(s));
  m.output_values_per_pixel = output_values / (large != small ? large_pixels : small_pixels);
  return m;
}

MemoryEstimate estimate_memory(const TileMemory& per_tile, const SliceSize& slice, std::uint64_t resident,
                               const std::vector<std::int64_t>& tile_shape) {
  const double input = static_cast<double>(slice.input_values) * static_cast<double>(slice.bytes_per_value);
  const double output = per_tile.output_values_per_pixel * static_cast<double>(slice.pixels) * bytes_per_value;
  MemoryEstimate e;
  e.resident = resident;
  if (slice.band_axis_size > 0 && !tile_shape.empty()) {
    // One row of tiles: the rows it reads (as read, gathered at the borders, and the new rows copied for
    // the NaN check of float inputs), its output band, the band's postprocessed copy and the copy
    // in the output's type and axes on its way to the file.
    const double part = std::min(1.0, static_cast<double>(tile_shape[0]) / static_cast<double>(slice.band_axis_size));
    e.buffers = static_cast<std::uint64_t>(3 * input * part + 3 * output * part + (slice.outputs_held ? 2 * output : 0.0));
  } else {
    e.buffers = static_cast<std::uint64_t>(input + 2 * output);  // the raw sample; the output and its postprocessed copy
  }
  e.buffers += static_cast<std::uint64_t>(static_cast<double>(slice.writer_pixels) * per_tile.output_values_per_pixel * bytes_per_value);
  e.tile = per_tile.tile_bytes(product(tile_shape));
  return e;
}

bool largest_tile_within(std::uint64_t budget, std::vector<tiling::AxisTiling>& axes, const TileMemory& per_tile,
                         const SliceSize& slice, std::uint64_t resident) {
  const std::vector<std::int64_t> whole = tiling::plan_tile_shape(axes);
  const auto fits = [&](const std::vector<std::int64_t>& tile) {
    return estimate_memory(per_tile, slice, resident, tile).total() <= budget;
  };
  if (fits(whole)) return true;
  std::int64_t max_edge = 0, step = 0;
  for (std::size_t k = 0; k < axes.size(); ++k)
    if (can_change(axes[k])) {
      max_edge = std::max(max_edge, whole[k]);
      step = step ? std::min(step, axes[k].rule.step) : axes[k].rule.step;
    }
  if (step == 0) return false;  // fixed sizes or forced tiles: nothing to choose
  // Edges from large to small; the first whose tile fits is the largest.
  std::vector<std::int64_t> tile = whole;
  for (std::int64_t edge = max_edge - step; edge > 0; edge -= step) {
    for (std::size_t k = 0; k < axes.size(); ++k)
      if (can_change(axes[k]))
        tile[k] = std::max(tiling::smallest_usable_tile(axes[k]), std::min(whole[k], largest_at_most(axes[k].rule, edge)));
    if (fits(tile)) break;
  }
  for (std::size_t k = 0; k < axes.size(); ++k)
    if (can_change(axes[k])) axes[k].tile = tile[k];
  return fits(tile);
}

}  // namespace deepimage::run
