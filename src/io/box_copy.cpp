#include "io/box_copy.hpp"

#include <cstring>

namespace deepimage::io {

std::int64_t for_each_box_run(const Shape& shape, const std::vector<std::int64_t>& strides, const Box& box,
                              const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& run) {
  const std::size_t rank = box.rank();
  if (rank == 0) {
    run(0, 0, 1);
    return 1;
  }
  // Fold trailing axes into the run while the box covers the axis after them whole and the array
  // stores them back to back: [first, last) are the axes a run spans.
  std::size_t first = rank - 1;
  std::int64_t run_length = box.extent(first);
  while (first > 0 && box.begin[first] == 0 && box.end[first] == shape[first] &&
         strides[first - 1] == strides[first] * shape[first]) {
    --first;
    run_length *= box.extent(first);
  }
  const std::int64_t step = strides[rank - 1];
  // An odometer over the axes before the run.
  std::vector<std::int64_t> index(box.begin.begin(), box.begin.begin() + static_cast<std::ptrdiff_t>(first));
  std::int64_t at = 0;
  for (std::size_t d = 0; d < rank; ++d) at += box.begin[d] * strides[d];
  for (std::int64_t from = 0;; from += run_length) {
    run(at, from, run_length);
    std::size_t d = first;
    while (d > 0) {
      --d;
      at += strides[d];
      if (++index[d] < box.end[d]) break;
      at -= strides[d] * box.extent(d);
      index[d] = box.begin[d];
      if (d == 0) return step;
    }
    if (first == 0) return step;
  }
}

namespace {

// Offsets are signed: a view of memory may have negative strides (a reversed numpy array).
void copy_run(std::byte* to, std::int64_t to_step, const std::byte* from, std::int64_t from_step, std::int64_t count,
              std::size_t es) {
  const auto size = static_cast<std::ptrdiff_t>(es);
  if (to_step == 1 && from_step == 1) {
    std::memcpy(to, from, static_cast<std::size_t>(count) * es);
    return;
  }
  for (std::int64_t i = 0; i < count; ++i) std::memcpy(to + i * to_step * size, from + i * from_step * size, es);
}

std::int64_t last_stride(const std::vector<std::int64_t>& strides) { return strides.empty() ? 1 : strides.back(); }

}  // namespace

void copy_box_out(const std::byte* array, const Shape& shape, const std::vector<std::int64_t>& strides,
                  std::size_t element_size, const Box& box, std::byte* out) {
  const std::int64_t step = last_stride(strides);
  const auto size = static_cast<std::ptrdiff_t>(element_size);
  for_each_box_run(shape, strides, box, [&](std::int64_t at, std::int64_t from, std::int64_t n) {
    copy_run(out + from * size, 1, array + at * size, step, n, element_size);
  });
}

void copy_box_in(std::byte* array, const Shape& shape, const std::vector<std::int64_t>& strides,
                 std::size_t element_size, const Box& box, const std::byte* in) {
  const std::int64_t step = last_stride(strides);
  const auto size = static_cast<std::ptrdiff_t>(element_size);
  for_each_box_run(shape, strides, box, [&](std::int64_t at, std::int64_t from, std::int64_t n) {
    copy_run(array + at * size, step, in + from * size, 1, n, element_size);
  });
}

Box whole_box(const Shape& shape) { return Box{std::vector<std::int64_t>(shape.size(), 0), shape}; }

bool is_empty(const Box& box) {
  for (std::size_t d = 0; d < box.rank(); ++d)
    if (box.extent(d) <= 0) return true;
  return false;
}

}  // namespace deepimage::io
