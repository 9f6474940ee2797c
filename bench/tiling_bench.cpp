// The per-tile copies of the runner: reading a tile through the padding view (read_padded, numpy
// reflect at the image border) and stitching a tile result into the output (write_box). MB/s of
// tile data; a tile at the corner needs mirrored coordinates, one inside does not.
#include <benchmark/benchmark.h>

#include "bench_images.hpp"
#include "tiling/padding.hpp"

namespace deepimage::bench {
namespace {

// A 512x512 tile of a 2048x2048 image: `corner` reads [-32, 480) (halo 32 mirrored), else an
// interior box.
Box tile_box(bool corner) {
  const std::int64_t b = corner ? -32 : 768;
  return Box{{b, b}, {b + 512, b + 512}};
}

void read_padded_bench(benchmark::State& state, bool corner, tiling::PadMode mode) {
  const Tensor image = frame_f32(2048);
  const Box box = tile_box(corner);
  for (auto _ : state) benchmark::DoNotOptimize(tiling::read_padded(image, "yx", box, mode));
  state.SetBytesProcessed(state.iterations() * 512 * 512 * 4);
}

void write_box_bench(benchmark::State& state) {
  Tensor out = frame_f32(2048);
  const Tensor tile = frame_f32(512);
  // The valid part of a 512 tile with halo 32 goes to the output at (800, 800).
  const Box valid{{32, 32}, {480, 480}}, write{{800, 800}, {1248, 1248}};
  for (auto _ : state) {
    tiling::write_box(out, "yx", write, tile, valid);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 448 * 448 * 4);
}

BENCHMARK_CAPTURE(read_padded_bench, interior_reflect, false, tiling::PadMode::reflect)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(read_padded_bench, corner_reflect, true, tiling::PadMode::reflect)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(read_padded_bench, corner_zeros, true, tiling::PadMode::zeros)->Unit(benchmark::kMicrosecond);
BENCHMARK(write_box_bench)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace deepimage::bench
