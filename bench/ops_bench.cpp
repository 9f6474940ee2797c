// Each preprocessing/postprocessing op on a whole 2048x2048 float32 frame (the runner applies them
// to whole images, before tiling): MB/s of input. The statistics ops (percentiles, mean/std: two
// passes each, then the apply) are the ones that cost; the pointwise ones show the floor.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "bench_images.hpp"
#include "ops/op.hpp"
#include "ops/prepared_ops.hpp"

namespace deepimage::bench {
namespace {

void op_bench(benchmark::State& state, const char* id, const char* kwargs_text, std::int64_t channels) {
  const std::int64_t side = state.range(0);
  Tensor in = frame_f32(side);
  if (channels > 1) {  // softmax needs a channel axis to act along
    Tensor c(DType::f32, {1, channels, side, side}, "bcyx");
    for (std::int64_t k = 0; k < channels; ++k)
      std::copy_n(in.data<float>(), in.element_count(), c.data<float>() + k * in.element_count());
    in = std::move(c);
  }
  const std::vector<OpSpec> op{{.id = id, .kwargs_json = kwargs_text}};
  const ops::OpContext context;
  // What apply_ops does, without its by-value copy of the input: the statistics passes, then the apply.
  for (auto _ : state) {
    ops::PreparedOps prepared(op, in.axes(), in.shape(), context);
    while (prepared.start_pass()) prepared.scan(in);
    benchmark::DoNotOptimize(prepared.apply(in));
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(in.byte_count()));
}

#define DEEPIMAGE_OP_BENCH(name, id, kwargs, channels) \
  BENCHMARK_CAPTURE(op_bench, name, id, kwargs, channels)->Arg(2048)->Unit(benchmark::kMillisecond)

DEEPIMAGE_OP_BENCH(scale_range_percentiles, "scale_range",
                   R"({"axes": ["y", "x"], "min_percentile": 1.0, "max_percentile": 99.8})", 1);
DEEPIMAGE_OP_BENCH(zero_mean_unit_variance, "zero_mean_unit_variance", R"({"axes": ["y", "x"]})", 1);
DEEPIMAGE_OP_BENCH(fixed_zero_mean_unit_variance, "fixed_zero_mean_unit_variance", R"({"mean": 0.5, "std": 0.2})", 1);
DEEPIMAGE_OP_BENCH(scale_linear, "scale_linear", R"({"gain": 2.0, "offset": 1.0})", 1);
DEEPIMAGE_OP_BENCH(clip, "clip", R"({"min": 0.0, "max": 1.0})", 1);
DEEPIMAGE_OP_BENCH(sigmoid, "sigmoid", "{}", 1);
DEEPIMAGE_OP_BENCH(binarize, "binarize", R"({"threshold": 0.5})", 1);
DEEPIMAGE_OP_BENCH(softmax_3_channels, "softmax", R"({"axis": "c"})", 3);
DEEPIMAGE_OP_BENCH(ensure_dtype_to_uint16, "ensure_dtype", R"({"dtype": "uint16"})", 1);

}  // namespace
}  // namespace deepimage::bench
