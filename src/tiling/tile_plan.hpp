// TilePlan — pure geometry: how an image is cut into tiles a model accepts.
//
//   TilePlan plan = plan_tiles({{.id = 'y', .image_size = 700, .rule = {512, 0}, .halo = 32, .alignment = 16},
//                               {.id = 'x', .image_size = 900, .rule = {512, 0}, .halo = 32, .alignment = 16}});
//   for (const Tile& t : plan.tiles) { read t.read (may reach outside the image: mirror-padded),
//                                      run, copy t.valid of the result into t.write of the output }
//
// One axis, image of size I, halo P, tile (model input) size T, alignment a:
//
//      image:            0                                              I
//                        |==============================================|
//      tile k:   r_k     w_k                       e_k   r_k + T
//                |..P....|=========valid===========|..>=P..|
//
//   w_k = k * S are the write starts, S the stride, multiples of a; r_k = w_k - P; e_k = min(I, w_{k+1}).
//   The valid part of tile k is [w_k - r_k, e_k - r_k) in tile coordinates.
//
// - Whole image (preprint eq. 2): with no tile size forced and a flexible model, T is the smallest
//   valid size >= I + 2P and there is one tile per axis.
// - Otherwise (fixed model size Q, or --tile): T is that size; usable valid length V = floor_a(T - 2P)
//   (floor to a multiple of a); p = ceil(I / V) tiles (eq. 3); stride S = ceil_a(ceil(I / p)) (eq. 4,
//   rounded up to the alignment so every tile starts on the lattice); the last tile takes the rest.
//   Tile sizes never change across the image.
// - Alignment: every read start r_k is congruent to -P modulo a, the same phase as the whole-image
//   run, so a network that downsamples by a sees every pixel at the same phase in every tile. With
//   a halo that covers the receptive field, tiled output equals whole-image output up to float
//   rounding. a = the model's step when it has one, else the largest power of two <= 16 dividing Q.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/box.hpp"

namespace deepimage::tiling {

// Sizes a model accepts along one axis: min + n * step, n >= 0 (step 0: exactly min).
struct SizeRule {
  std::int64_t min = 1;
  std::int64_t step = 0;
  bool accepts(std::int64_t size) const;
  std::int64_t smallest_at_least(std::int64_t size) const;  // smallest valid size >= size
  std::string describe() const;                             // "512" or "min 32, step 16"
};

struct AxisTiling {
  char id = 'x';
  std::int64_t image_size = 1;         // I
  SizeRule rule;                       // what the model accepts
  std::int64_t halo = 0;               // P, per side, in input pixels
  std::int64_t alignment = 1;          // a; 0 or 1: none
  std::optional<std::int64_t> tile;    // user's tile size (must satisfy rule), else automatic
};

struct Tile {
  Box read;   // in image coordinates; may extend outside [0, I): padding fills it
  Box valid;  // in tile coordinates: the part written to the output
  Box write;  // in image coordinates: where the valid part goes
};

struct TilePlan {
  std::string axes;                    // one letter per tiled axis, in the order given
  std::vector<std::int64_t> tile_shape;   // T per axis (the model input size)
  std::vector<std::int64_t> grid;         // tiles per axis
  std::vector<Tile> tiles;                // row-major over grid (last axis fastest)
};

// Throws invalid_argument when a user tile size breaks the rule or leaves no valid region
// (T - 2P < a), naming the axis, the value and the nearest valid sizes.
TilePlan plan_tiles(const std::vector<AxisTiling>& axes);

// The tile shape plan_tiles would choose, without listing the tiles (cheap for any tile count).
std::vector<std::int64_t> plan_tile_shape(const std::vector<AxisTiling>& axes);

// Makes the tiles of a plan smaller after the engine ran out of memory: the largest tile edge that
// can shrink is about halved (the rule permitting), set as that axis's forced tile. `tile_shape` is
// the failed plan's. Returns false when every axis is already as small as the rule and the halo
// allow.
bool shrink_tiles(std::vector<AxisTiling>& axes, const std::vector<std::int64_t>& tile_shape);

// The smallest tile along an axis that leaves valid output between the halos.
std::int64_t smallest_usable_tile(const AxisTiling& axis);

// Alignment a model implies: its step when it has one, else the largest power of two <= 16 dividing
// the fixed size.
std::int64_t default_alignment(const SizeRule& rule);

}  // namespace deepimage::tiling
