#include "ops/reduction.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "deepimage/error.hpp"

namespace deepimage::ops {

Groups groups_keeping(std::string_view axes, const Shape& shape, std::string_view kept_axes) {
  Groups g;
  g.shape = shape;
  g.strides.assign(g.shape.size(), 0);
  g.kept_axes = std::string(kept_axes);
  std::int64_t step = 1;
  for (std::size_t k = kept_axes.size(); k-- > 0;) {
    const std::size_t d = axes.find(kept_axes[k]);
    if (d == std::string_view::npos)
      throw Error(ErrorCode::internal, std::string("kept axis \"") + kept_axes[k] + "\" is not in \"" + std::string(axes) + "\"");
    g.strides[d] = step;
    step *= g.shape[d];
  }
  for (char a : kept_axes) g.kept_shape.push_back(g.shape[axes.find(a)]);
  g.count = step;
  return g;
}

Groups groups_keeping(const Tensor& tensor, std::string_view kept_axes) {
  return groups_keeping(tensor.axes(), tensor.shape(), kept_axes);
}

Groups groups_reducing(std::string_view axes, const Shape& shape, std::string_view reduced_axes) {
  std::string kept;
  for (char a : axes)
    if (reduced_axes.find(a) == std::string_view::npos) kept += a;
  return groups_keeping(axes, shape, kept);
}

Groups groups_reducing(const Tensor& tensor, std::string_view reduced_axes) {
  return groups_reducing(tensor.axes(), tensor.shape(), reduced_axes);
}

std::string reduced_axes(const Kwargs& kwargs, const std::string& axes) {
  const std::string mode = kwargs.string_or("mode", "");
  // per_dataset reduces over the same axes, of every sample (ops/dataset_statistics.hpp).
  if (!mode.empty() && mode != "per_sample" && mode != "per_dataset") kwargs.fail("mode", "\"per_sample\" or \"per_dataset\"");
  // Kwargs checks axis names against a tensor: one element with these axes.
  const Tensor probe(DType::u8, Shape(axes.size(), 1), axes);
  if (auto named = kwargs.axes("axes", probe)) return *named;
  if (mode.empty()) return axes;
  std::string all_but_batch;
  for (char a : axes)
    if (a != 'b') all_but_batch += a;
  return all_but_batch;
}

const Tensor& referenced_tensor(const Kwargs& kwargs, const OpContext& context, const std::string& id) {
  auto it = context.tensors.find(id);
  if (it == context.tensors.end() || it->second == nullptr || it->second->empty()) {
    std::string known;
    for (const auto& [name, tensor] : context.tensors)
      if (tensor && !tensor->empty()) known += (known.empty() ? "" : ", ") + name;
    kwargs.fail("kwarg \"reference_tensor\" names tensor \"" + id + "\", which is not available (available: " +
                (known.empty() ? std::string("none") : known) + ")");
  }
  return *it->second;
}

Groups matching_groups(const Kwargs& kwargs, const Tensor& reference, const std::string& reference_id,
                       const Groups& groups) {
  for (std::size_t k = 0; k < groups.kept_axes.size(); ++k) {
    const char a = groups.kept_axes[k];
    if (reference.axis_index(a) < 0 || reference.size(a) != groups.kept_shape[k])
      kwargs.fail("reference tensor \"" + reference_id + "\" (axes \"" + reference.axes() + "\", shape " +
                  shape_to_string(reference.shape()) + ") does not match the tensor along axis \"" + std::string(1, a) +
                  "\" (size " + std::to_string(groups.kept_shape[k]) + "), along which statistics are kept separate");
  }
  return groups_keeping(reference, groups.kept_axes);
}

}  // namespace deepimage::ops
