#include "ops/builtin_ops.hpp"
#include "ops/reduction.hpp"

namespace deepimage::ops {

namespace {

// Lists run along the 0.5 `axis`, or in 0.4 along the axis that `axes` (scaled jointly) leaves out.
Tensor scale_linear(const Tensor& in, const nlohmann::json& json, const OpStatistics&) {
  const Kwargs kwargs("scale_linear", json);
  Tensor out = in.converted(DType::f32);
  const PerIndex gain = per_index(kwargs, "gain", out, 1.0);
  const PerIndex offset = per_index(kwargs, "offset", out, 0.0);
  float* p = out.data<float>();
  for_each_element(groups_keeping(out, index_axis(gain, offset)), [&](std::int64_t e, std::int64_t g) {
    p[e] = static_cast<float>(p[e] * gain.at(g) + offset.at(g));
  });
  return out;
}

}  // namespace

OpDeclaration scale_linear_op() {
  return {.id = "scale_linear",
          .aliases = {},
          .summary = "x * gain + offset, with scalars or one value per index along an axis",
          .params = {{"gain", "float or list", "1.0", "multiplicative factor", false},
                     {"offset", "float or list", "0.0", "additive term", false},
                     {"axis", "axis", "", "axis the lists run along (0.5), e.g. channel", false},
                     {"axes", "axes", "", "0.4: axes scaled jointly; lists run along the axis left out", false}},
          .statistics = {},
          .apply = scale_linear};
}

}  // namespace deepimage::ops
