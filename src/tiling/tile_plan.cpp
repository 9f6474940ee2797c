#include "tiling/tile_plan.hpp"

#include <algorithm>
#include <string>

#include "deepimage/error.hpp"

namespace deepimage::tiling {
namespace {

std::int64_t ceil_div(std::int64_t n, std::int64_t d) { return (n + d - 1) / d; }
std::int64_t floor_to(std::int64_t v, std::int64_t a) { return v / a * a; }  // v >= 0
std::int64_t ceil_to(std::int64_t v, std::int64_t a) { return ceil_div(v, a) * a; }

std::string quoted(char id) { return std::string("\"") + id + "\""; }

// The geometry of one axis: tile size and, per tile, where it reads and which part it writes.
struct AxisPlan {
  std::int64_t tile_size = 0;
  std::vector<std::int64_t> read_begin, write_begin, write_end;
};

void check_inputs(const AxisTiling& a) {
  const std::string where = " along " + quoted(a.id);
  if (a.image_size < 1)
    throw Error(ErrorCode::invalid_argument, "image size " + std::to_string(a.image_size) + where + " is empty; expected at least 1 pixel");
  if (a.halo < 0)
    throw Error(ErrorCode::invalid_argument, "halo " + std::to_string(a.halo) + where + " is negative; expected 0 or more");
  if (a.rule.min < 1 || a.rule.step < 0)
    throw Error(ErrorCode::bad_model, "model size rule (" + a.rule.describe() + ")" + where +
                                          " is invalid; expected min >= 1 and step >= 0");
  if (a.tile && !a.rule.accepts(*a.tile)) {
    const std::int64_t t = *a.tile;
    std::string nearest;
    if (a.rule.step <= 0 || t < a.rule.min) {
      nearest = "nearest valid size: " + std::to_string(a.rule.min);
    } else {
      const std::int64_t below = a.rule.min + (t - a.rule.min) / a.rule.step * a.rule.step;
      nearest = "nearest valid sizes: " + std::to_string(below) + ", " + std::to_string(below + a.rule.step);
    }
    throw Error(ErrorCode::invalid_argument, "tile size " + std::to_string(t) + where + " is not a valid size for this model (" +
                                                 (a.rule.step > 0 ? a.rule.describe() : "fixed size " + a.rule.describe()) + "); " + nearest);
  }
}

// Thrown when T - 2P < a: not even one aligned pixel of valid output remains between the halos.
[[noreturn]] void throw_no_valid_region(const AxisTiling& a, std::int64_t t, std::int64_t align) {
  const std::string what = (a.tile ? "tile size " : "model input size ") + std::to_string(t) + " along " + quoted(a.id);
  const std::int64_t need = 2 * a.halo + align;  // smallest T that keeps `align` valid pixels
  std::string fix;
  if (a.rule.step > 0) {
    fix = "the smallest tile that works is " + std::to_string(a.rule.smallest_at_least(need));
  } else if (a.rule.min >= need) {
    fix = "the model's size " + std::to_string(a.rule.min) + " works";
  } else {
    const std::int64_t max_halo = (a.rule.min - align) / 2;
    fix = max_halo >= 0 ? "use a halo of at most " + std::to_string(max_halo)
                        : "no halo makes the model's size " + std::to_string(a.rule.min) + " work";
  }
  throw Error(ErrorCode::invalid_argument,
              what + " leaves no valid region: a halo of " + std::to_string(a.halo) + " on each side leaves " +
                  std::to_string(t - 2 * a.halo) + " pixels, and tiles need at least " + std::to_string(align) +
                  (align > 1 ? " (the alignment, so every tile starts on the model's downsampling grid)" : "") +
                  "; " + fix);
}

AxisPlan plan_axis(const AxisTiling& a) {
  check_inputs(a);
  const std::int64_t I = a.image_size, P = a.halo;
  const std::int64_t align = a.alignment > 1 ? a.alignment : 1;
  AxisPlan plan;
  // Eq. 2: a flexible model with no forced tile runs the whole image at once.
  if (!a.tile && a.rule.step > 0) {
    plan.tile_size = a.rule.smallest_at_least(I + 2 * P);
  } else {
    plan.tile_size = a.tile ? *a.tile : a.rule.min;
  }
  const std::int64_t T = plan.tile_size;
  if (T >= I + 2 * P) {  // one tile holds the image and both halos; the rest is padding
    plan.read_begin = {-P};
    plan.write_begin = {0};
    plan.write_end = {I};
    return plan;
  }
  if (T - 2 * P < align) throw_no_valid_region(a, T, align);
  const std::int64_t V = floor_to(T - 2 * P, align);
  const std::int64_t p = ceil_div(I, V);                  // eq. 3
  const std::int64_t S = ceil_to(ceil_div(I, p), align);  // eq. 4 on the alignment lattice
  // S <= V (V is a multiple of align and >= ceil(I / p)), so (p - 1) * S < I: no tile is empty,
  // and the last one, I - (p - 1) * S <= I / p <= V, still fits between the halos.
  for (std::int64_t k = 0; k < p; ++k) {
    const std::int64_t w = k * S;
    plan.read_begin.push_back(w - P);
    plan.write_begin.push_back(w);
    plan.write_end.push_back(k + 1 < p ? w + S : I);
  }
  return plan;
}

}  // namespace

std::vector<std::int64_t> plan_tile_shape(const std::vector<AxisTiling>& axes) {
  std::vector<std::int64_t> shape;
  for (const AxisTiling& a : axes) shape.push_back(plan_axis(a).tile_size);
  return shape;
}

std::int64_t smallest_usable_tile(const AxisTiling& a) {
  const std::int64_t align = a.alignment > 1 ? a.alignment : 1;
  if (a.rule.step <= 0) return a.rule.min;
  return a.rule.smallest_at_least(2 * a.halo + align);
}

bool shrink_tiles(std::vector<AxisTiling>& axes, const std::vector<std::int64_t>& tile_shape) {
  std::vector<std::size_t> order(axes.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  // Largest edge first: halving it removes the most pixels.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return tile_shape[a] > tile_shape[b]; });
  for (std::size_t k : order) {
    AxisTiling& a = axes[k];
    if (a.rule.step <= 0) continue;
    const std::int64_t smaller = a.rule.smallest_at_least(std::max(smallest_usable_tile(a), tile_shape[k] / 2));
    if (smaller < tile_shape[k]) {
      a.tile = smaller;
      return true;
    }
  }
  return false;
}

std::int64_t default_alignment(const SizeRule& rule) {
  if (rule.step > 0) return rule.step;
  if (rule.min < 1) return 1;
  std::int64_t a = 16;
  while (rule.min % a != 0) a /= 2;
  return a;
}

TilePlan plan_tiles(const std::vector<AxisTiling>& axes) {
  TilePlan plan;
  std::vector<AxisPlan> per_axis;
  for (const AxisTiling& a : axes) {
    per_axis.push_back(plan_axis(a));
    plan.axes += a.id;
    plan.tile_shape.push_back(per_axis.back().tile_size);
    plan.grid.push_back(static_cast<std::int64_t>(per_axis.back().read_begin.size()));
  }
  const std::size_t n = axes.size();
  std::int64_t count = 1;
  for (auto g : plan.grid) count *= g;
  plan.tiles.reserve(static_cast<std::size_t>(count));
  std::vector<std::size_t> k(n, 0);  // tile index per axis; last axis fastest
  for (std::int64_t t = 0; t < count; ++t) {
    Tile tile;
    for (auto* box : {&tile.read, &tile.valid, &tile.write}) {
      box->begin.resize(n);
      box->end.resize(n);
    }
    for (std::size_t d = 0; d < n; ++d) {
      const AxisPlan& ap = per_axis[d];
      const std::int64_t r = ap.read_begin[k[d]], w = ap.write_begin[k[d]], e = ap.write_end[k[d]];
      tile.read.begin[d] = r;
      tile.read.end[d] = r + ap.tile_size;
      tile.write.begin[d] = w;
      tile.write.end[d] = e;
      tile.valid.begin[d] = w - r;
      tile.valid.end[d] = e - r;
    }
    plan.tiles.push_back(std::move(tile));
    for (std::size_t d = n; d-- > 0;) {
      if (++k[d] < per_axis[d].read_begin.size()) break;
      k[d] = 0;
    }
  }
  return plan;
}

}  // namespace deepimage::tiling
