// TIFF read and write throughput (MB/s of pixel data) for the types models take and give:
// uint8, uint16, float32; uncompressed and stripped, as write_tiff writes them. Wall time, not CPU
// time: writing waits on the file system. The files sit in the page cache, so this is the cost of
// libtiff and our conversions, not of a disk.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <unistd.h>

#include "bench_images.hpp"
#include "io/tiff.hpp"

namespace deepimage::bench {
namespace {

namespace fs = std::filesystem;

fs::path bench_file(const char* what) {
  return fs::temp_directory_path() / ("deepimage_bench_" + std::to_string(getpid()) + "_" + what + ".tif");
}

void write_tiff_bench(benchmark::State& state, DType dtype) {
  const std::int64_t side = state.range(0);
  io::Image image{frame_as(dtype, side), std::nullopt};
  const fs::path path = bench_file("write");
  for (auto _ : state) io::write_tiff(image, path);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(image.pixels.byte_count()));
  fs::remove(path);
}

void read_tiff_bench(benchmark::State& state, DType dtype) {
  const std::int64_t side = state.range(0);
  io::Image image{frame_as(dtype, side), std::nullopt};
  const fs::path path = bench_file("read");
  io::write_tiff(image, path);
  for (auto _ : state) benchmark::DoNotOptimize(io::read_tiff(path));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(image.pixels.byte_count()));
  fs::remove(path);
}

BENCHMARK_CAPTURE(write_tiff_bench, u8, DType::u8)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(write_tiff_bench, u16, DType::u16)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(write_tiff_bench, f32, DType::f32)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(read_tiff_bench, u8, DType::u8)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(read_tiff_bench, u16, DType::u16)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(read_tiff_bench, f32, DType::f32)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace deepimage::bench
