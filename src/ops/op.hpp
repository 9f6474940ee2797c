// Pre/post-processing ops (bioimage.io ids), each declared once.
//
//   const OpDeclaration& op = find_op("scale_range");
//   Tensor y = apply_ops(x, spec.inputs[0].preprocessing, context);
//
// One declaration per op (in its own file, listed in register_builtin_ops() in ops.cpp) drives the
// implementation, `deepimage ops`, and the docs. Ops work on whole tensors: the runner applies
// preprocessing to the whole image before tiling, so statistics (mean, std, percentiles) are those
// of the whole image (per sample, along the axes the rdf names), never of one tile.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "deepimage/model_spec.hpp"
#include "deepimage/tensor.hpp"

namespace deepimage::ops {

struct OpParam {
  std::string name;
  std::string type;           // "float", "float or list", "axes", "string", "dtype", ...
  std::string default_value;  // as text; empty when required
  std::string summary;
  bool required = false;
};

// Tensors an op may refer to by id (0.4 `reference_tensor` of scale_mean_variance / scale_range).
struct OpContext {
  std::map<std::string, const Tensor*> tensors;
};

// An op takes a tensor with named axes (any dtype) and returns the result; all but ensure_dtype
// and binarize return float32.
using OpFunction = std::function<Tensor(const Tensor& in, const nlohmann::json& kwargs, const OpContext& context)>;

struct OpDeclaration {
  std::string id;                    // bioimage.io 0.5 id
  std::vector<std::string> aliases;  // 0.4 names that differ
  std::string summary;
  std::vector<OpParam> params;
  bool needs_statistics = false;     // needs whole-tensor statistics (mean, std, percentiles)
  OpFunction apply;
};

const std::vector<OpDeclaration>& builtin_ops();
// By id or alias; throws unsupported listing the known ops.
const OpDeclaration& find_op(std::string_view id);

// Applies `ops` in order. Throws bad_model naming the op and the kwarg when kwargs are invalid.
Tensor apply_ops(Tensor tensor, const std::vector<OpSpec>& ops, const OpContext& context);

// An output's postprocessing, then its declared data type (rdf 0.5 `data.type`, 0.4 `data_type`) as an
// implicit final ensure_dtype: a model declaring uint8 output is written as uint8.
Tensor apply_postprocessing(Tensor tensor, const TensorSpec& output, const OpContext& context);

}  // namespace deepimage::ops
