#include "tiling/padding.hpp"

#include <algorithm>
#include <cstring>

#include "deepimage/error.hpp"

namespace deepimage::tiling {
namespace {

constexpr PadMode kModes[] = {PadMode::reflect, PadMode::symmetric, PadMode::edge, PadMode::zeros};

std::int64_t positive_mod(std::int64_t i, std::int64_t m) {
  const std::int64_t r = i % m;
  return r < 0 ? r + m : r;
}

// Which dimension of `t` each letter of `box_axes` names; throws internal when the call is malformed
// (the box and its axes come from our own planner, never straight from the user).
std::vector<std::size_t> boxed_dims(const Tensor& t, const std::string& box_axes, const Box& box, const char* what) {
  if (box.begin.size() != box_axes.size() || box.end.size() != box_axes.size())
    throw Error(ErrorCode::internal, std::string(what) + ": box " + box.to_string() + " does not have one entry per axis of \"" +
                                         box_axes + "\"");
  std::vector<std::size_t> dims;
  for (char id : box_axes) {
    const int d = t.axis_index(id);
    if (d < 0)
      throw Error(ErrorCode::internal, std::string(what) + ": tensor with axes \"" + t.axes() + "\" has no axis \"" +
                                           std::string(1, id) + "\"");
    for (auto seen : dims)
      if (seen == static_cast<std::size_t>(d))
        throw Error(ErrorCode::internal, std::string(what) + ": axis \"" + std::string(1, id) + "\" named twice in \"" + box_axes + "\"");
    dims.push_back(static_cast<std::size_t>(d));
  }
  return dims;
}

// For each dimension, the index into `box_axes` that covers it, or -1 when it is taken whole.
std::vector<int> box_entry_per_dim(std::size_t rank, const std::vector<std::size_t>& dims) {
  std::vector<int> entry(rank, -1);
  for (std::size_t k = 0; k < dims.size(); ++k) entry[dims[k]] = static_cast<int>(k);
  return entry;
}

// Dimensions after the last boxed one are copied whole, so together they form one contiguous block
// per position of the last boxed dimension; copies then move whole blocks (or runs of them).
std::size_t last_boxed_dim(const std::vector<std::size_t>& dims) {
  std::size_t last = 0;
  for (auto d : dims) last = std::max(last, d);
  return last;
}

std::size_t block_bytes_after(const Tensor& t, std::size_t last) {
  std::size_t bytes = dtype_size(t.dtype());
  for (std::size_t d = last + 1; d < t.rank(); ++d) bytes *= static_cast<std::size_t>(t.shape()[d]);
  return bytes;
}

// A stretch of the output row whose source pixels are consecutive, so one memcpy moves it.
struct Run {
  std::int64_t out = 0, src = 0, length = 0;
};

std::vector<Run> runs_of(const std::vector<std::int64_t>& source) {
  std::vector<Run> runs;
  for (std::int64_t j = 0; j < static_cast<std::int64_t>(source.size()); ++j) {
    const std::int64_t s = source[static_cast<std::size_t>(j)];
    if (s < 0) continue;  // zeros padding: the output is already zero-filled
    if (!runs.empty() && runs.back().out + runs.back().length == j && runs.back().src + runs.back().length == s)
      ++runs.back().length;
    else
      runs.push_back({j, s, 1});
  }
  return runs;
}

}  // namespace

PadMode pad_mode_from_string(std::string_view name) {
  for (PadMode m : kModes)
    if (to_string(m) == name) return m;
  throw Error(ErrorCode::invalid_argument,
              "unknown padding mode \"" + std::string(name) + "\" (expected one of: reflect, symmetric, edge, zeros)");
}

std::string_view to_string(PadMode mode) {
  switch (mode) {
    case PadMode::reflect: return "reflect";
    case PadMode::symmetric: return "symmetric";
    case PadMode::edge: return "edge";
    case PadMode::zeros: return "zeros";
  }
  return "reflect";
}

std::int64_t source_index(std::int64_t i, std::int64_t n, PadMode mode) {
  if (n < 1) throw Error(ErrorCode::internal, "cannot pad an axis of size " + std::to_string(n));
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PadMode::zeros: return -1;
    case PadMode::edge: return i < 0 ? 0 : n - 1;
    case PadMode::reflect: {
      if (n == 1) return 0;  // numpy repeats a length-1 axis: there is nothing to mirror
      // Reflection without the edge repeats with period 2(n - 1): 0 1 .. n-1 n-2 .. 1 | 0 1 ..
      const std::int64_t m = positive_mod(i, 2 * (n - 1));
      return m < n ? m : 2 * (n - 1) - m;
    }
    case PadMode::symmetric: {
      // With the edge repeated the period is 2n: 0 1 .. n-1 n-1 .. 0 | 0 1 ..
      const std::int64_t m = positive_mod(i, 2 * n);
      return m < n ? m : 2 * n - 1 - m;
    }
  }
  return -1;
}

Tensor read_padded(const Tensor& image, const std::string& box_axes, const Box& box, PadMode mode) {
  const std::vector<std::size_t> dims = boxed_dims(image, box_axes, box, "read_padded");
  if (dims.empty()) return image;
  const std::size_t rank = image.rank();
  const std::vector<int> entry = box_entry_per_dim(rank, dims);
  Shape out_shape = image.shape();
  for (std::size_t k = 0; k < dims.size(); ++k) {
    if (box.extent(k) < 0)
      throw Error(ErrorCode::internal, "read_padded: box " + box.to_string() + " has a negative extent");
    out_shape[dims[k]] = box.extent(k);
  }
  Tensor out(image.dtype(), out_shape, image.axes());
  if (out.element_count() == 0) return out;

  const std::size_t last = last_boxed_dim(dims);
  // Source index of every output position along each dimension up to the last boxed one, computed
  // once per call instead of once per pixel.
  std::vector<std::vector<std::int64_t>> source(last + 1);
  for (std::size_t d = 0; d <= last; ++d) {
    source[d].resize(static_cast<std::size_t>(out_shape[d]));
    for (std::int64_t j = 0; j < out_shape[d]; ++j)
      source[d][static_cast<std::size_t>(j)] =
          entry[d] < 0 ? j : source_index(box.begin[static_cast<std::size_t>(entry[d])] + j, image.shape()[d], mode);
  }
  const std::size_t block = block_bytes_after(image, last);
  const std::vector<Run> runs = runs_of(source[last]);
  const auto src_strides = strides_of(image.shape());
  const std::size_t es = dtype_size(image.dtype());
  const std::size_t out_row_bytes = static_cast<std::size_t>(out_shape[last]) * block;

  const std::byte* src = image.bytes();
  std::byte* dst = out.bytes();
  std::vector<std::int64_t> j(last, 0);  // position over the outer dimensions
  std::int64_t rows = 1;
  for (std::size_t d = 0; d < last; ++d) rows *= out_shape[d];
  for (std::int64_t row = 0; row < rows; ++row, dst += out_row_bytes) {
    std::int64_t src_offset = 0;
    bool inside = true;
    for (std::size_t d = 0; d < last; ++d) {
      const std::int64_t s = source[d][static_cast<std::size_t>(j[d])];
      if (s < 0) { inside = false; break; }
      src_offset += s * src_strides[d];
    }
    if (inside) {
      const std::byte* src_row = src + static_cast<std::size_t>(src_offset) * es;
      for (const Run& r : runs)
        std::memcpy(dst + static_cast<std::size_t>(r.out) * block, src_row + static_cast<std::size_t>(r.src) * block,
                    static_cast<std::size_t>(r.length) * block);
    }
    for (std::size_t d = last; d-- > 0;) {
      if (++j[d] < out_shape[d]) break;
      j[d] = 0;
    }
  }
  return out;
}

void write_box(Tensor& to, const std::string& box_axes, const Box& write, const Tensor& from, const Box& valid) {
  if (to.axes() != from.axes() || to.rank() != from.rank() || to.dtype() != from.dtype())
    throw Error(ErrorCode::internal, "write_box: tensors differ: \"" + to.axes() + "\" " + shape_to_string(to.shape()) + " " +
                                         std::string(to_string(to.dtype())) + " vs \"" + from.axes() + "\" " +
                                         shape_to_string(from.shape()) + " " + std::string(to_string(from.dtype())));
  const std::vector<std::size_t> dims = boxed_dims(to, box_axes, write, "write_box");
  boxed_dims(from, box_axes, valid, "write_box");
  const std::size_t rank = to.rank();
  const std::vector<int> entry = box_entry_per_dim(rank, dims);
  // Per dimension: extent copied, start in `to`, start in `from`.
  std::vector<std::int64_t> extent(rank), to_begin(rank, 0), from_begin(rank, 0);
  for (std::size_t d = 0; d < rank; ++d) {
    const int k = entry[d];
    if (k < 0) {
      if (to.shape()[d] != from.shape()[d])
        throw Error(ErrorCode::internal, "write_box: axis \"" + std::string(1, to.axes()[d]) + "\" is " +
                                             std::to_string(to.shape()[d]) + " in the output but " +
                                             std::to_string(from.shape()[d]) + " in the tile");
      extent[d] = to.shape()[d];
      continue;
    }
    const auto kk = static_cast<std::size_t>(k);
    if (write.extent(kk) != valid.extent(kk) || write.extent(kk) < 0 || write.begin[kk] < 0 ||
        write.end[kk] > to.shape()[d] || valid.begin[kk] < 0 || valid.end[kk] > from.shape()[d])
      throw Error(ErrorCode::internal, "write_box: write box " + write.to_string() + " in " + shape_to_string(to.shape()) +
                                           " does not match valid box " + valid.to_string() + " in " +
                                           shape_to_string(from.shape()) + " (axes \"" + box_axes + "\")");
    extent[d] = write.extent(kk);
    to_begin[d] = write.begin[kk];
    from_begin[d] = valid.begin[kk];
  }
  if (dims.empty()) {
    to = from;
    return;
  }
  for (auto e : extent)
    if (e == 0) return;

  const std::size_t last = last_boxed_dim(dims);
  const std::size_t block = block_bytes_after(to, last);
  const std::size_t es = dtype_size(to.dtype());
  const auto to_strides = strides_of(to.shape());
  const auto from_strides = strides_of(from.shape());
  const std::size_t row_bytes = static_cast<std::size_t>(extent[last]) * block;
  std::vector<std::int64_t> j(last, 0);
  std::int64_t rows = 1;
  for (std::size_t d = 0; d < last; ++d) rows *= extent[d];
  for (std::int64_t row = 0; row < rows; ++row) {
    std::int64_t to_offset = to_begin[last] * to_strides[last], from_offset = from_begin[last] * from_strides[last];
    for (std::size_t d = 0; d < last; ++d) {
      to_offset += (to_begin[d] + j[d]) * to_strides[d];
      from_offset += (from_begin[d] + j[d]) * from_strides[d];
    }
    std::memcpy(to.bytes() + static_cast<std::size_t>(to_offset) * es, from.bytes() + static_cast<std::size_t>(from_offset) * es,
                row_bytes);
    for (std::size_t d = last; d-- > 0;) {
      if (++j[d] < extent[d]) break;
      j[d] = 0;
    }
  }
}

}  // namespace deepimage::tiling
