#include "engine/graph/kernels/matmul.hpp"

#include <string>
#include <type_traits>

#include "deepimage/error.hpp"
#include "engine/graph/kernels/broadcast.hpp"
#include "engine/graph/kernels/operands.hpp"

namespace deepimage::engine::graph {
namespace {

constexpr std::initializer_list<DType> kMatMulTypes = {DType::f32, DType::f64, DType::i32, DType::i64};

// MatMul's operands seen as batches of matrices: 1-d A becomes (1, K) and 1-d B (K, 1), and the
// promoted dimension is dropped from the result again.
struct MatMulPlan {
  Shape a_batch, b_batch, batch;  // batch shapes, `batch` broadcast
  std::int64_t m = 1, k = 1, n = 1;
  Shape out;
};

MatMulPlan plan_matmul(const Node& node, const Shape& a, const Shape& b) {
  if (a.empty() || b.empty())
    throw Error(ErrorCode::bad_model, node.describe() + ": operands of shapes " + shape_to_string(a) + " and " +
                                          shape_to_string(b) + " include a scalar");
  MatMulPlan p;
  Shape am = a.size() == 1 ? Shape{1, a[0]} : a;
  Shape bm = b.size() == 1 ? Shape{b[0], 1} : b;
  p.m = am[am.size() - 2];
  p.k = am.back();
  p.n = bm.back();
  if (bm[bm.size() - 2] != p.k)
    throw Error(ErrorCode::bad_model, node.describe() + ": cannot multiply shapes " + shape_to_string(a) + " and " +
                                          shape_to_string(b) + " (inner sizes " + std::to_string(p.k) + " and " +
                                          std::to_string(bm[bm.size() - 2]) + ")");
  p.a_batch.assign(am.begin(), am.end() - 2);
  p.b_batch.assign(bm.begin(), bm.end() - 2);
  p.batch = broadcast_shapes(node, {p.a_batch, p.b_batch});
  p.out = p.batch;
  if (a.size() > 1) p.out.push_back(p.m);
  if (b.size() > 1) p.out.push_back(p.n);
  return p;
}

void require_same_type(const Node& node, DType a, DType b) {
  if (a != b)
    throw Error(ErrorCode::bad_model, node.describe() + ": inputs are " + std::string(to_string(a)) + " and " +
                                          std::string(to_string(b)) + ", expected one type");
}

// (rows, cols) of Gemm's A or B after the optional transpose.
std::pair<std::int64_t, std::int64_t> gemm_operand(const Node& node, const Shape& s, bool transposed, const char* what) {
  if (s.size() != 2)
    throw Error(ErrorCode::bad_model, node.describe() + ": " + what + " has shape " + shape_to_string(s) +
                                          ", expected a matrix");
  return transposed ? std::pair{s[1], s[0]} : std::pair{s[0], s[1]};
}

Shape gemm_shape(const Node& node, const Shape& a, const Shape& b, const Shape* c) {
  const auto [m, k] = gemm_operand(node, a, node.get_int("transA", 0) != 0, "A");
  const auto [kb, n] = gemm_operand(node, b, node.get_int("transB", 0) != 0, "B");
  if (k != kb)
    throw Error(ErrorCode::bad_model, node.describe() + ": inner sizes " + std::to_string(k) + " and " +
                                          std::to_string(kb) + " differ");
  const Shape out{m, n};
  if (c && broadcast_shapes(node, {out, *c}) != out)
    throw Error(ErrorCode::bad_model, node.describe() + ": C of shape " + shape_to_string(*c) +
                                          " does not broadcast to " + shape_to_string(out));
  return out;
}

}  // namespace

std::vector<TensorType> infer_matmul(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 2, 2);
  require_dtype(node, "input A", inputs[0]->dtype, kMatMulTypes);
  require_same_type(node, inputs[0]->dtype, inputs[1]->dtype);
  return {{inputs[0]->dtype, plan_matmul(node, inputs[0]->shape, inputs[1]->shape).out}};
}

std::vector<Tensor> matmul_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& a = *inputs.at(0);
  const Tensor& b = *inputs.at(1);
  require_dtype(node, "input A", a.dtype(), kMatMulTypes);
  require_same_type(node, a.dtype(), b.dtype());
  const MatMulPlan p = plan_matmul(node, a.shape(), b.shape());
  Tensor y(a.dtype(), p.out);
  const std::int64_t batches = element_count(p.batch);
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, std::int32_t> ||
                  std::is_same_v<T, std::int64_t>) {
      using Acc = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;
      const T* pa = a.data<T>();
      const T* pb = b.data<T>();
      T* py = y.data<T>();
      BroadcastWalk walk(p.batch, {p.a_batch, p.b_batch});
      for (std::int64_t batch = 0; batch < batches; ++batch, walk.next()) {
        const T* ma = pa + walk.offset(0) * p.m * p.k;
        const T* mb = pb + walk.offset(1) * p.k * p.n;
        T* my = py + batch * p.m * p.n;
        for (std::int64_t i = 0; i < p.m; ++i)
          for (std::int64_t j = 0; j < p.n; ++j) {
            Acc sum = 0;
            for (std::int64_t q = 0; q < p.k; ++q) sum += static_cast<Acc>(ma[i * p.k + q]) * static_cast<Acc>(mb[q * p.n + j]);
            my[i * p.n + j] = static_cast<T>(sum);
          }
      }
    }
  });
  return {std::move(y)};
}

std::vector<TensorType> infer_gemm(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 2, 3);
  require_dtype(node, "input A", inputs[0]->dtype, {DType::f32, DType::f64});
  require_same_type(node, inputs[0]->dtype, inputs[1]->dtype);
  const Value* c = inputs.size() > 2 ? inputs[2] : nullptr;
  if (c) require_same_type(node, inputs[0]->dtype, c->dtype);
  return {{inputs[0]->dtype, gemm_shape(node, inputs[0]->shape, inputs[1]->shape, c ? &c->shape : nullptr)}};
}

std::vector<Tensor> gemm_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& a = *inputs.at(0);
  const Tensor& b = *inputs.at(1);
  const Tensor* c = inputs.size() > 2 ? inputs[2] : nullptr;
  require_dtype(node, "input A", a.dtype(), {DType::f32, DType::f64});
  require_same_type(node, a.dtype(), b.dtype());
  if (c) require_same_type(node, a.dtype(), c->dtype());
  const Shape shape = gemm_shape(node, a.shape(), b.shape(), c ? &c->shape() : nullptr);
  const bool ta = node.get_int("transA", 0) != 0;
  const bool tb = node.get_int("transB", 0) != 0;
  const double alpha = node.get_float("alpha", 1.0);
  const double beta = node.get_float("beta", 1.0);
  const std::int64_t m = shape[0], n = shape[1];
  const std::int64_t k = ta ? a.shape()[0] : a.shape()[1];
  Tensor y(a.dtype(), shape);
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* py = y.data<T>();
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        double sum = 0;
        for (std::int64_t q = 0; q < k; ++q)
          sum += static_cast<double>(pa[ta ? q * m + i : i * k + q]) * static_cast<double>(pb[tb ? j * k + q : q * n + j]);
        py[i * n + j] = static_cast<T>(alpha * sum);
      }
    if (c) {
      BroadcastWalk walk(shape, {c->shape()});
      const T* pc = c->data<T>();
      for (std::int64_t i = 0; i < m * n; ++i, walk.next())
        py[i] = static_cast<T>(py[i] + beta * static_cast<double>(pc[walk.offset(0)]));
    }
  };
  if (a.dtype() == DType::f32)
    run(float{});
  else
    run(double{});
  return {std::move(y)};
}

}  // namespace deepimage::engine::graph
