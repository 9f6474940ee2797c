// numpy .npy files: format versions 1, 2 and 3 headers, little and big endian, C and Fortran order,
// bool / (u)int8..64 / float32 / float64. Written as version 1, little endian, C order.
//
//   Tensor t = read_npy_bytes(bundle.read("test_input.npy"), "test_input.npy");
//   write_npy(t, "out.npy");
//
//   auto in = open_npy("big.npy");   Tensor part = in->read(box);   // memory-mapped, only the box copied
//
// The tensor comes back with empty axes: .npy files do not name their axes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "deepimage/tensor.hpp"
#include "io/image_region.hpp"

namespace deepimage::io {

// What a .npy header says, checked against the bytes that follow it (their count must be the shape's).
struct NpyHeader {
  DType dtype = DType::u8;
  Shape shape;
  bool fortran_order = false;
  bool swapped = false;         // stored in the other byte order than this machine's
  std::size_t data_offset = 0;  // where the values start in the file
};
// `bytes`: the whole file; `name` is only used in error messages.
NpyHeader read_npy_header(std::span<const std::byte> bytes, const std::string& name);
// Values as stored -> this machine's byte order, bools as 0/1 (order unchanged).
void npy_to_native(const NpyHeader& header, std::byte* values, std::size_t count);
// Magic, version 1 header for a little-endian C-order array of `shape`, padded to 64 bytes.
std::vector<std::byte> npy_header_bytes(DType dtype, const Shape& shape);

// `name` is only used in error messages.
Tensor read_npy_bytes(std::span<const std::byte> bytes, const std::string& name);
Tensor read_npy(const std::filesystem::path& path);
std::vector<std::byte> npy_bytes(const Tensor& tensor);
void write_npy(const Tensor& tensor, const std::filesystem::path& path);

// Region access (image_region.hpp): the file memory-mapped, boxes copied out of it; an output
// preallocated to its final size, boxes written in place.
std::unique_ptr<ImageSource> open_npy(const std::filesystem::path& path);
std::unique_ptr<ImageSink> create_npy(const std::filesystem::path& path, const ImageInfo& info);

}  // namespace deepimage::io
