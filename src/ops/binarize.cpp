#include "ops/builtin_ops.hpp"
#include "ops/reduction.hpp"

namespace deepimage::ops {

namespace {

// Output is bool, as in bioimageio.core (`tensor > threshold`); a following ensure_dtype or the
// writer turns it into 0/1 numbers. The comparison is strict and done in float32, as numpy does
// for a float32 tensor and a Python float threshold.
Tensor binarize(const Tensor& in, const nlohmann::json& json, const OpStatistics&) {
  const Kwargs kwargs("binarize", json);
  const Tensor x = in.converted(DType::f32);
  const PerIndex threshold = per_index(kwargs, "threshold", x);
  std::vector<float> thresholds;
  for (double t : threshold.values) thresholds.push_back(static_cast<float>(t));
  Tensor out(DType::boolean, x.shape(), x.axes());
  const float* p = x.data<float>();
  bool* q = out.data<bool>();
  for_each_element(groups_keeping(x, index_axis(threshold)),
                   [&](std::int64_t e, std::int64_t g) { q[e] = p[e] > thresholds[static_cast<std::size_t>(g)]; });
  return out;
}

}  // namespace

OpDeclaration binarize_op() {
  return {.id = "binarize",
          .aliases = {},
          .summary = "true where the value is above a threshold, false elsewhere (bool output)",
          .params = {{"threshold", "float or list", "", "threshold, or one per index along `axis`", true},
                     {"axis", "axis", "", "axis the threshold list runs along (0.5), e.g. channel", false}},
          .statistics = {},
          .apply = binarize};
}

}  // namespace deepimage::ops
