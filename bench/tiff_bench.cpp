// TIFF read and write throughput (MB/s of pixel data) for the types models take and give:
// uint8, uint16, float32; uncompressed and stripped, as write_tiff writes them. Wall time, not CPU
// time: writing waits on the file system. The files sit in the page cache, so this is the cost of
// libtiff and our conversions, not of a disk.
//
// The writer lays the file out itself (src/io/tiff_write.cpp: one contiguous pixel block, written
// with positional writes, as ImageJ reads it). Its peer in the same run is libtiff writing the same
// pages and strips the usual way (TIFFWriteEncodedStrip, one directory after each page), what the
// writer replaced: write_tiff / libtiff_write give the ratio, for one plane and for a stack.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>

#include "bench_images.hpp"
#include "io/tiff.hpp"

#include <tiffio.h>

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

// `pages` pages of `page` written with libtiff: the same strips of 8 MiB as our writer, no metadata.
void write_with_libtiff(const Tensor& page, std::int64_t pages, const fs::path& path) {
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  if (!tif) throw std::runtime_error("cannot open " + path.string());
  const auto height = static_cast<std::uint32_t>(page.shape()[0]), width = static_cast<std::uint32_t>(page.shape()[1]);
  const std::size_t row_bytes = static_cast<std::size_t>(width) * dtype_size(page.dtype());
  const auto rows_per_strip = static_cast<std::uint32_t>(std::clamp<std::size_t>((8u << 20) / row_bytes, 1, height));
  for (std::int64_t p = 0; p < pages; ++p) {
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, height);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, static_cast<std::uint16_t>(8 * dtype_size(page.dtype())));
    TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, static_cast<std::uint16_t>(page.dtype() == DType::f32 ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT));
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, static_cast<std::uint16_t>(1));
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, static_cast<std::uint16_t>(PHOTOMETRIC_MINISBLACK));
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, static_cast<std::uint16_t>(PLANARCONFIG_CONTIG));
    TIFFSetField(tif, TIFFTAG_COMPRESSION, static_cast<std::uint16_t>(COMPRESSION_NONE));
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rows_per_strip);
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(page.bytes());
    for (std::uint32_t y = 0, strip = 0; y < height; y += rows_per_strip, ++strip) {
      const std::size_t rows = std::min(rows_per_strip, height - y);
      TIFFWriteEncodedStrip(tif, strip, const_cast<std::uint8_t*>(bytes + y * row_bytes), static_cast<tmsize_t>(rows * row_bytes));
    }
    TIFFWriteDirectory(tif);
  }
  TIFFClose(tif);
}

// A stack of `pages` frames written by our writer: the same pixels as the libtiff peer.
void write_stack_bench(benchmark::State& state, DType dtype) {
  const std::int64_t side = state.range(0), pages = state.range(1);
  const Tensor page = frame_as(dtype, side);
  Tensor stack(dtype, {pages, side, side}, "zyx");
  for (std::int64_t p = 0; p < pages; ++p)
    std::copy_n(page.bytes(), page.byte_count(), stack.bytes() + static_cast<std::size_t>(p) * page.byte_count());
  const io::Image image{stack, std::nullopt};
  const fs::path path = bench_file("stack");
  for (auto _ : state) io::write_tiff(image, path);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(stack.byte_count()));
  fs::remove(path);
}

void libtiff_write_bench(benchmark::State& state, DType dtype) {
  const std::int64_t side = state.range(0), pages = state.range(1);
  const Tensor page = frame_as(dtype, side);
  const fs::path path = bench_file("libtiff");
  for (auto _ : state) write_with_libtiff(page, pages, path);
  state.SetBytesProcessed(state.iterations() * pages * static_cast<std::int64_t>(page.byte_count()));
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
BENCHMARK_CAPTURE(write_stack_bench, f32, DType::f32)->Args({1024, 16})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(libtiff_write_bench, u8, DType::u8)->Args({2048, 1})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(libtiff_write_bench, u16, DType::u16)->Args({2048, 1})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(libtiff_write_bench, f32, DType::f32)->Args({2048, 1})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(libtiff_write_bench, f32_stack, DType::f32)->Args({1024, 16})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(read_tiff_bench, u8, DType::u8)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(read_tiff_bench, u16, DType::u16)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(read_tiff_bench, f32, DType::f32)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace deepimage::bench
