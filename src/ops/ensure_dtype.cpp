#include "deepimage/error.hpp"
#include "ops/builtin_ops.hpp"

namespace deepimage::ops {

namespace {

// Tensor::converted rounds to nearest and saturates when a float becomes an integer (NaN -> 0),
// so 255.6 -> uint8 is 255 and -3 -> 0; numpy's astype would wrap instead, which no model wants.
Tensor ensure_dtype(const Tensor& in, const nlohmann::json& json, const OpStatistics&) {
  const Kwargs kwargs("ensure_dtype", json);
  const std::string name = kwargs.string("dtype");
  DType to = DType::f32;
  try {
    to = dtype_from_string(name);
  } catch (const Error&) {
    kwargs.fail("dtype", "one of float32, float64, uint8, int8, uint16, int16, uint32, int32, uint64, int64, bool");
  }
  return in.converted(to);
}

}  // namespace

OpDeclaration ensure_dtype_op() {
  return {.id = "ensure_dtype",
          .aliases = {},
          .summary = "cast to a data type (float to integer rounds and saturates)",
          .params = {{"dtype", "dtype", "", "float32, float64, uint8, int8, uint16, int16, uint32, int32, uint64, int64 or bool", true}},
          .statistics = {},
          .apply = ensure_dtype};
}

}  // namespace deepimage::ops
