// Moving a box of elements between a large array (an image file's pixels, mapped or in memory) and a
// dense array of the box's shape: what every region read and write comes down to.
//
//   const auto strides = strides_of(image_shape);                      // C order; a Fortran .npy reverses them
//   copy_box_out(file_data, strides, dtype_size(dtype), box, part.bytes());   // part: Tensor of box.shape()
//   for_each_box_run(image_shape, strides, box, [&](std::int64_t at, std::int64_t from, std::int64_t n) {
//     pwrite(fd, pixels + from * es, n * es, data_start + at * es);     // runs along the last axis
//   });
//
// Strides are any, in elements: C or Fortran order, a window of a larger array, 0 along a size-1 axis,
// negative for a reversed view of memory (a Session's TensorView of a numpy array).
// A run is a stretch of the box along its last axis; when the box covers the last axes whole and they
// are stored contiguously, runs span several of them (a band of full rows is one run), so a caller
// moves whole rows or pages at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/box.hpp"
#include "deepimage/tensor.hpp"

namespace deepimage::io {

// Calls run(array_offset, box_offset, count) for each run of `box` in the array of `shape` with element
// `strides`: elements array_offset + i * step and box_offset + i, i < count, where step is the
// array's stride along the box's last axis (returned). A box of rank 0 is one run of one element.
// `box` must lie inside `shape` and have no empty extent.
std::int64_t for_each_box_run(const Shape& shape, const std::vector<std::int64_t>& strides, const Box& box,
                              const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& run);

// The elements of `box` from `array` into `out` (dense, C order, the box's shape).
void copy_box_out(const std::byte* array, const Shape& shape, const std::vector<std::int64_t>& strides,
                  std::size_t element_size, const Box& box, std::byte* out);
// The elements of `in` (dense, C order, the box's shape) into `box` of `array`.
void copy_box_in(std::byte* array, const Shape& shape, const std::vector<std::int64_t>& strides,
                 std::size_t element_size, const Box& box, const std::byte* in);

// The box [0, shape) and whether `box` has an empty extent.
Box whole_box(const Shape& shape);
bool is_empty(const Box& box);

}  // namespace deepimage::io
