// Groups of elements along axes: which statistics of zero_mean_unit_variance, scale_range and
// scale_mean_variance an element uses, and which value of the "one value per channel" parameters of
// the fixed ops.
//
//   Groups g = groups_reducing(x, "yx");          // x has axes "bcyx": one group per (b, c)
//   for_each_element(g, [&](std::int64_t e, std::int64_t group) { p[e] = (p[e] - s[group].mean) ...; });
//
// The reduced axes are those a kwarg `axes` names; statistics are computed per index of the other
// (kept) axes (ops/statistics.hpp computes them). A region holding every kept axis whole numbers its
// groups as the whole tensor does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deepimage/tensor.hpp"
#include "ops/kwargs.hpp"
#include "ops/op.hpp"

namespace deepimage::ops {

struct Groups {
  Shape shape;                        // of the tensor
  std::vector<std::int64_t> strides;  // group-index step per tensor dimension; 0 along reduced axes
  std::string kept_axes;              // the group index is C-order over these, in this order
  Shape kept_shape;
  std::int64_t count = 1;             // number of groups
};

// One group per index along `kept_axes` (letters of `axes`, in any order), for a tensor of `shape`.
Groups groups_keeping(std::string_view axes, const Shape& shape, std::string_view kept_axes);
Groups groups_keeping(const Tensor& tensor, std::string_view kept_axes);
// One group per index along the axes not in `reduced_axes`, kept in tensor order.
Groups groups_reducing(std::string_view axes, const Shape& shape, std::string_view reduced_axes);
Groups groups_reducing(const Tensor& tensor, std::string_view reduced_axes);

// Calls f(element, group) for every element, element being the C-order index into the tensor.
template <class F>
void for_each_element(const Groups& groups, F&& f) {
  const std::size_t rank = groups.shape.size();
  const std::int64_t n = element_count(groups.shape);
  if (n == 0) return;
  if (rank == 0) {
    f(std::int64_t{0}, std::int64_t{0});
    return;
  }
  const std::int64_t inner = groups.shape[rank - 1];
  const std::int64_t inner_step = groups.strides[rank - 1];
  std::vector<std::int64_t> index(rank, 0);
  std::int64_t base = 0;  // group index of the first element of the current innermost row
  for (std::int64_t row = 0; row < n; row += inner) {
    for (std::int64_t i = 0; i < inner; ++i) f(row + i, base + i * inner_step);
    for (std::size_t d = rank - 1; d-- > 0;) {  // odometer over the outer dimensions
      base += groups.strides[d];
      if (++index[d] < groups.shape[d]) break;
      base -= groups.strides[d] * groups.shape[d];
      index[d] = 0;
    }
  }
}

// The axes an op's statistics reduce over, from its kwargs:
//   `axes` given (0.5 list or 0.4 string)    -> those axes
//   absent, 0.4 form (a `mode` kwarg)        -> every axis but batch: 0.4 per_sample statistics
//                                               never mix samples
//   absent, 0.5 form                         -> every axis ("scale all axes jointly")
// 0.4 `mode: per_dataset` reduces over the same axes, across every sample (ops/dataset_statistics.hpp).
std::string reduced_axes(const Kwargs& kwargs, const std::string& axes);

// The tensor a `reference_tensor` kwarg names, looked up in `context`.
const Tensor& referenced_tensor(const Kwargs& kwargs, const OpContext& context, const std::string& id);
// Groups of `reference` that line up with `groups` of the tensor being normalised: the same kept
// axes with the same sizes; every other axis of `reference` is reduced.
Groups matching_groups(const Kwargs& kwargs, const Tensor& reference, const std::string& reference_id,
                       const Groups& groups);

}  // namespace deepimage::ops
