#include "unit/engine/native/saved_module.hpp"

#include <torch/script.h>

#include <cstring>
#include <sstream>

namespace deepimage::testing {
namespace {

torch::Tensor to_torch(const Tensor& t) {
  const auto type = t.dtype() == DType::i64 ? torch::kInt64 : t.dtype() == DType::u16 ? torch::kInt32 : torch::kFloat32;
  const Tensor converted = t.dtype() == DType::u16 ? t.converted(DType::i32) : t.dtype() == DType::i64 ? t : t.converted(DType::f32);
  torch::Tensor x = torch::empty(t.shape(), torch::TensorOptions().dtype(type));
  std::memcpy(x.data_ptr(), converted.bytes(), converted.byte_count());
  return x;
}

Tensor from_torch(torch::Tensor x) {
  x = x.contiguous();
  const DType type = x.scalar_type() == torch::kInt64 ? DType::i64 : x.scalar_type() == torch::kBool ? DType::boolean : DType::f32;
  if (type == DType::f32) x = x.to(torch::kFloat32);
  Tensor t(type, Shape(x.sizes().begin(), x.sizes().end()));
  std::memcpy(t.bytes(), x.data_ptr(), t.byte_count());
  return t;
}

}  // namespace

std::vector<Tensor> run_saved_module(const std::vector<std::byte>& pt, const std::vector<Tensor>& inputs) {
  std::istringstream stream(std::string(reinterpret_cast<const char*>(pt.data()), pt.size()));
  torch::jit::Module module = torch::jit::load(stream);
  std::vector<torch::jit::IValue> args;
  for (const Tensor& t : inputs) args.emplace_back(to_torch(t));
  const torch::jit::IValue result = module.forward(args);
  std::vector<Tensor> outputs;
  if (result.isTuple()) {
    for (const auto& v : result.toTuple()->elements()) outputs.push_back(from_torch(v.toTensor()));
  } else {
    outputs.push_back(from_torch(result.toTensor()));
  }
  return outputs;
}

}  // namespace deepimage::testing
