#include "engine/graph/kernels/operands.hpp"

#include <algorithm>
#include <string>

#include "deepimage/error.hpp"

namespace deepimage::engine::graph {

std::vector<std::int64_t> int64_values(const Node& node, const Tensor& t, const char* what) {
  const auto n = static_cast<std::size_t>(t.element_count());
  if (t.dtype() == DType::i64) return {t.data<std::int64_t>(), t.data<std::int64_t>() + n};
  if (t.dtype() == DType::i32) return {t.data<std::int32_t>(), t.data<std::int32_t>() + n};
  throw Error(ErrorCode::bad_model, node.describe() + ": " + what + " is " + std::string(to_string(t.dtype())) +
                                        ", expected int64 or int32");
}

std::optional<std::vector<std::int64_t>> int64_operand(const Node& node, const std::vector<const Value*>& inputs,
                                                       std::size_t index, const char* what) {
  if (index >= inputs.size() || inputs[index] == nullptr) return std::nullopt;
  if (!inputs[index]->constant)
    throw Error(ErrorCode::bad_model, node.describe() + ": " + what + " (input " + std::to_string(index) + ", \"" +
                                          inputs[index]->name +
                                          "\") is computed at run time; the native engine needs it constant");
  return int64_values(node, *inputs[index]->constant, what);
}

std::optional<std::vector<std::int64_t>> int64_operand(const Node& node, const std::vector<const Tensor*>& inputs,
                                                       std::size_t index, const char* what) {
  if (index >= inputs.size() || inputs[index] == nullptr) return std::nullopt;
  return int64_values(node, *inputs[index], what);
}

void require_input_count(const Node& node, std::size_t given_count, std::size_t min, std::size_t max) {
  if (given_count < min || given_count > max)
    throw Error(ErrorCode::bad_model, node.describe() + " has " + std::to_string(given_count) + " inputs, expected " +
                                          (min == max ? std::to_string(min)
                                                      : std::to_string(min) + " to " + std::to_string(max)));
}

void require_inputs(const Node& node, const std::vector<const Value*>& inputs, std::size_t min, std::size_t max) {
  require_input_count(node, inputs.size(), min, max);
  for (std::size_t i = 0; i < min; ++i)
    if (inputs[i] == nullptr)
      throw Error(ErrorCode::bad_model, node.describe() + ": required input " + std::to_string(i) + " is missing");
}

void require_dtype(const Node& node, const char* what, DType dtype, std::initializer_list<DType> allowed) {
  if (std::find(allowed.begin(), allowed.end(), dtype) != allowed.end()) return;
  std::string names;
  for (const auto d : allowed) names += (names.empty() ? "" : ", ") + std::string(to_string(d));
  throw Error(ErrorCode::bad_model, node.describe() + ": " + what + " is " + std::string(to_string(dtype)) +
                                        ", expected " + names);
}

std::vector<int> normalize_axes(const std::vector<std::int64_t>& axes, std::size_t rank, const Node& node) {
  std::vector<int> out;
  for (const auto a : axes) {
    const int axis = normalize_axis(a, rank, node);
    if (std::find(out.begin(), out.end(), axis) != out.end())
      throw Error(ErrorCode::bad_model, node.describe() + ": axis " + std::to_string(a) + " is given twice");
    out.push_back(axis);
  }
  return out;
}

}  // namespace deepimage::engine::graph
