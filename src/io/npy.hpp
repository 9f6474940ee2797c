// numpy .npy files: format versions 1, 2 and 3 headers, little and big endian, C and Fortran order,
// bool / (u)int8..64 / float32 / float64. Written as version 1, little endian, C order.
//
//   Tensor t = read_npy_bytes(bundle.read("test_input.npy"), "test_input.npy");
//   write_npy(t, "out.npy");
//
// The tensor comes back with empty axes: .npy files do not name their axes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "deepimage/tensor.hpp"

namespace deepimage::io {

// `name` is only used in error messages.
Tensor read_npy_bytes(std::span<const std::byte> bytes, const std::string& name);
Tensor read_npy(const std::filesystem::path& path);
std::vector<std::byte> npy_bytes(const Tensor& tensor);
void write_npy(const Tensor& tensor, const std::filesystem::path& path);

}  // namespace deepimage::io
