// DnnlExecutor — runs one specialised graph (graph/passes.hpp) on oneDNN primitives.
//
//   DnnlExecutor exec(specialize(g, {{1, 1, 512, 512}}), {.threads = 2});
//   std::vector<Tensor> y = exec.run({tile});   // same shapes every call
//
// Built once per input shape: it fuses conv + bias + activation (+ residual add), plans ONE activation
// layout for the graph (the one oneDNN's convolutions prefer), reorders once at the inputs and outputs,
// creates every primitive up front and reuses buffers by liveness. Ops without a oneDNN primitive run
// their reference kernel (graph/ops.hpp) on a plain copy. Tiles holding NaN or Inf run a second,
// NaN-preserving plan (oneDNN's max and ReLU drop NaN). No oneDNN type is visible here. run() reuses
// the executor's buffers: one executor per thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "deepimage/precision.hpp"
#include "engine/graph/graph.hpp"

namespace deepimage::engine::native {

struct ExecutorOptions {
  int threads = 0;                     // 0: all cores
  Precision precision = Precision::fp32;  // bf16: convolutions and matrix products in bfloat16, opt-in
};

class DnnlExecutor {
 public:
  DnnlExecutor(graph::Graph specialized, const ExecutorOptions& options);
  ~DnnlExecutor();
  DnnlExecutor(const DnnlExecutor&) = delete;
  DnnlExecutor& operator=(const DnnlExecutor&) = delete;

  // Inputs in graph.inputs order, float32, with the shapes the graph was specialised for.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);

  // The nodes that run their reference kernel (no oneDNN primitive computes them exactly), as
  // Node::describe() writes them: for diagnostics and tests.
  std::vector<std::string> reference_nodes() const;
  // Bytes of the activation buffer shared by all intermediate values (after reuse by liveness),
  // excluding weights and the reference kernels' own outputs: what one more tile in flight costs.
  std::size_t activation_bytes() const;

 private:
  struct Plan;
  friend struct Plan;
  static std::unique_ptr<Plan> build_plan(graph::Graph graph, const ExecutorOptions& options, bool nan_safe);
  static std::vector<Tensor> run_plan(Plan& plan, const std::vector<Tensor>& inputs);

  ExecutorOptions options_;
  std::unique_ptr<graph::Graph> unfused_;  // for the NaN-safe plan
  std::unique_ptr<Plan> plan_;
  std::unique_ptr<Plan> nan_safe_plan_;    // built when a tile first holds NaN or Inf
};

}  // namespace deepimage::engine::native
