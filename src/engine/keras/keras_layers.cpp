#include "engine/keras/keras_layers.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "deepimage/error.hpp"

namespace deepimage::engine::keras {
namespace {

using graph::ValueId;
using Ints = std::vector<std::int64_t>;
using Attributes = std::map<std::string, graph::Attribute>;

[[noreturn]] void fail(const LayerCall& c, const std::string& message, ErrorCode code = ErrorCode::bad_model) {
  throw Error(code, c.where + " " + message);
}

// ---- config reads ------------------------------------------------------------------------------

bool has(const LayerCall& c, const std::string& key) { return c.config.contains(key) && !c.config.at(key).is_null(); }

double number_of(const LayerCall& c, const std::string& key, double fallback) {
  if (!has(c, key)) return fallback;
  if (!c.config.at(key).is_number()) fail(c, "has a non-numeric \"" + key + "\"");
  return c.config.at(key).get<double>();
}

std::string string_of(const LayerCall& c, const std::string& key, const std::string& fallback) {
  if (!has(c, key)) return fallback;
  const auto& v = c.config.at(key);
  if (v.is_string()) return v.get<std::string>();
  // Keras 3 writes an activation as {"class_name": ..., "config": {"name": ...}} or a registered name.
  if (v.is_object() && v.contains("config") && v.at("config").contains("name")) return v.at("config").at("name");
  fail(c, "has a \"" + key + "\" that is not a string");
}

bool flag_of(const LayerCall& c, const std::string& key, bool fallback) {
  return has(c, key) ? c.config.at(key).get<bool>() : fallback;
}

// An int or a list of `count` ints (Keras accepts both for kernel_size, strides, size, ...).
Ints ints_of(const LayerCall& c, const std::string& key, std::size_t count, std::int64_t fallback) {
  if (!has(c, key)) return Ints(count, fallback);
  const auto& v = c.config.at(key);
  if (v.is_number_integer()) return Ints(count, v.get<std::int64_t>());
  if (!v.is_array() || v.size() != count)
    fail(c, "has \"" + key + "\" " + v.dump() + ", expected " + std::to_string(count) + " integers");
  Ints out;
  for (const auto& e : v) out.push_back(e.get<std::int64_t>());
  return out;
}

// Cropping and ZeroPadding amounts: an int, one (begin, end) pair per axis, or one int per axis.
std::vector<std::pair<std::int64_t, std::int64_t>> pairs_of(const LayerCall& c, const std::string& key,
                                                            std::size_t count) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  const auto& v = c.config.at(key);
  if (v.is_number_integer()) return {count, {v.get<std::int64_t>(), v.get<std::int64_t>()}};
  if (count == 1 && v.is_array() && v.size() == 2 && v[0].is_number_integer())
    return {{v[0].get<std::int64_t>(), v[1].get<std::int64_t>()}};
  if (!v.is_array() || v.size() != count)
    fail(c, "has \"" + key + "\" " + v.dump() + ", expected " + std::to_string(count) + " pairs");
  for (const auto& e : v) {
    if (e.is_number_integer())
      out.push_back({e.get<std::int64_t>(), e.get<std::int64_t>()});
    else
      out.push_back({e.at(0).get<std::int64_t>(), e.at(1).get<std::int64_t>()});
  }
  return out;
}

void require_channels_last(const LayerCall& c) {
  const std::string format = string_of(c, "data_format", "channels_last");
  if (format != "channels_last")
    fail(c, "has data_format \"" + format + "\"; the native engine reads channels_last Keras models",
         ErrorCode::unsupported);
}

KerasValue single(const LayerCall& c, const std::vector<KerasValue>& in) {
  if (in.size() != 1) fail(c, "has " + std::to_string(in.size()) + " inputs, expected 1");
  return in.front();
}

int spatial_rank(const LayerCall& c, const KerasValue& x, int expected) {
  if (x.rank != expected + 2)
    fail(c, "gets a rank-" + std::to_string(x.rank) + " input, expected rank " + std::to_string(expected + 2));
  return expected;
}

// The spatial rank a class name ends with ("Conv2D" -> 2, "UpSampling3D" -> 3).
int dims_in_name(const std::string& class_name) {
  for (int d = 1; d <= 3; ++d)
    if (class_name.find(std::to_string(d) + "D") != std::string::npos) return d;
  return 2;
}

// The layer's result: `op` named after the layer when no activation follows, then the activation.
KerasValue with_activation(const LayerCall& c, KerasGraphBuilder& b, const std::string& op, std::vector<ValueId> inputs,
                           Attributes attributes, int rank) {
  const std::string activation = string_of(c, "activation", "linear");
  const bool linear = activation == "linear";
  const ValueId y = b.node(op, linear ? c.name : c.name + "/" + op, std::move(inputs), std::move(attributes));
  return b.activation({y, rank}, activation, c.name, c.where);
}

// Keras "same" is TensorFlow's SAME: the odd padding pixel at the end, which is ONNX's SAME_UPPER.
std::string auto_pad_of(const LayerCall& c) {
  const std::string padding = string_of(c, "padding", "valid");
  if (padding == "same") return "SAME_UPPER";
  if (padding == "valid") return "VALID";
  fail(c, "has padding \"" + padding + "\", expected \"same\" or \"valid\"", ErrorCode::unsupported);
}

// (k..., a, b) -> (b, a, k...): Keras conv kernels (k..., in, out) and transposed-conv kernels
// (k..., out, in) both become the ONNX layouts (out, in, k...) and (in, out, k...).
Tensor kernel_to_onnx(const LayerCall& c, const Tensor& kernel, int spatial) {
  if (static_cast<int>(kernel.rank()) != spatial + 2)
    fail(c,
         "has a kernel of shape " + shape_to_string(kernel.shape()) + ", expected rank " + std::to_string(spatial + 2));
  Ints perm{spatial + 1, spatial};
  for (int k = 0; k < spatial; ++k) perm.push_back(k);
  return permuted(kernel, perm);
}

Tensor reshaped(const Tensor& t, Shape shape) {
  Tensor out(t.dtype(), std::move(shape));
  if (out.byte_count() != t.byte_count()) throw Error(ErrorCode::internal, "reshape changes the element count");
  std::memcpy(out.bytes(), t.bytes(), t.byte_count());
  return out;
}

std::vector<ValueId> with_bias(const LayerCall& c, KerasGraphBuilder& b, std::vector<ValueId> inputs,
                               std::size_t position) {
  if (flag_of(c, "use_bias", true)) inputs.push_back(b.constant(c.name + "/bias", c.weight("bias", position)));
  return inputs;
}

// ---- convolutions --------------------------------------------------------------------------------

KerasValue conv(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                const LambdaReplacements&) {
  require_channels_last(c);
  const KerasValue x = single(c, in);
  const int s = spatial_rank(c, x, dims_in_name(c.class_name));
  const auto count = static_cast<std::size_t>(s);
  const ValueId kernel = b.constant(c.name + "/kernel", kernel_to_onnx(c, c.weight("kernel", 0), s));
  return with_activation(c, b, "Conv", with_bias(c, b, {x.id, kernel}, 1),
                         {{"strides", ints_of(c, "strides", count, 1)},
                          {"dilations", ints_of(c, "dilation_rate", count, 1)},
                          {"group", static_cast<std::int64_t>(number_of(c, "groups", 1))},
                          {"auto_pad", auto_pad_of(c)}},
                         x.rank);
}

// Keras picks the output size (conv_utils.deconv_output_length) and TensorFlow places the padding of
// the forward convolution it inverts (SAME: the odd pixel at the end). Both depend on the input size
// only through out - (in - 1) * stride, so the pads are fixed:
//   extent e = (k - 1) * d + 1;  D = out - (in - 1) * s =
//     valid: max(e, s)                   same: s
//     valid + output_padding p: e + p     same + p: e - 2 * (e / 2) + p
//   total pad P = max(e - D, 0), begin P / 2, end P - P / 2; ONNX output_padding max(D - e, 0).
KerasValue conv_transpose(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                          const LambdaReplacements&) {
  require_channels_last(c);
  const KerasValue x = single(c, in);
  const int s = spatial_rank(c, x, dims_in_name(c.class_name));
  const auto count = static_cast<std::size_t>(s);
  const Tensor& keras_kernel = c.weight("kernel", 0);
  const ValueId kernel = b.constant(c.name + "/kernel", kernel_to_onnx(c, keras_kernel, s));
  const Ints strides = ints_of(c, "strides", count, 1), dilations = ints_of(c, "dilation_rate", count, 1);
  const bool same = auto_pad_of(c) == "SAME_UPPER";
  const bool has_output_padding = has(c, "output_padding");
  const Ints output_padding = ints_of(c, "output_padding", count, 0);
  Ints pads(2 * count, 0), onnx_output_padding(count, 0);
  for (std::size_t i = 0; i < count; ++i) {
    const std::int64_t e = (keras_kernel.shape()[i] - 1) * dilations[i] + 1;
    const std::int64_t p = output_padding[i];
    const std::int64_t d =
        has_output_padding ? (same ? e - 2 * (e / 2) + p : e + p) : (same ? strides[i] : std::max(e, strides[i]));
    const std::int64_t total = std::max<std::int64_t>(e - d, 0);
    pads[i] = total / 2;
    pads[i + count] = total - total / 2;
    onnx_output_padding[i] = std::max<std::int64_t>(d - e, 0);
  }
  return with_activation(
      c, b, "ConvTranspose", with_bias(c, b, {x.id, kernel}, 1),
      {{"strides", strides}, {"dilations", dilations}, {"pads", pads}, {"output_padding", onnx_output_padding}},
      x.rank);
}

// (kh, kw, in, multiplier) -> (in * multiplier, 1, kh, kw): one group per input channel.
ValueId depthwise_kernel(const LayerCall& c, KerasGraphBuilder& b, const Tensor& k) {
  if (k.rank() != 4) fail(c, "has a depthwise kernel of shape " + shape_to_string(k.shape()) + ", expected rank 4");
  const Tensor t = permuted(k, {2, 3, 0, 1});
  return b.constant(c.name + "/depthwise_kernel",
                    reshaped(t, {k.shape()[2] * k.shape()[3], 1, k.shape()[0], k.shape()[1]}));
}

Attributes depthwise_attributes(const LayerCall& c, std::int64_t channels) {
  return {{"strides", ints_of(c, "strides", 2, 1)},
          {"dilations", ints_of(c, "dilation_rate", 2, 1)},
          {"group", channels},
          {"auto_pad", auto_pad_of(c)}};
}

KerasValue depthwise_conv(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                          const LambdaReplacements&) {
  require_channels_last(c);
  const KerasValue x = single(c, in);
  spatial_rank(c, x, 2);
  const Tensor& k = c.weight("depthwise_kernel", 0);
  const ValueId kernel = depthwise_kernel(c, b, k);
  return with_activation(c, b, "Conv", with_bias(c, b, {x.id, kernel}, 1), depthwise_attributes(c, k.shape().at(2)),
                         x.rank);
}

KerasValue separable_conv(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                          const LambdaReplacements&) {
  require_channels_last(c);
  const KerasValue x = single(c, in);
  spatial_rank(c, x, 2);
  const Tensor& k = c.weight("depthwise_kernel", 0);
  const ValueId depthwise = b.node("Conv", c.name + "/depthwise", {x.id, depthwise_kernel(c, b, k)},
                                   depthwise_attributes(c, k.shape().at(2)));
  const ValueId pointwise =
      b.constant(c.name + "/pointwise_kernel", kernel_to_onnx(c, c.weight("pointwise_kernel", 1), 2));
  return with_activation(c, b, "Conv", with_bias(c, b, {depthwise, pointwise}, 2), {}, x.rank);
}

KerasValue dense(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                 const LambdaReplacements&) {
  const KerasValue x = single(c, in);
  const Tensor& k = c.weight("kernel", 0);
  if (k.rank() != 2) fail(c, "has a kernel of shape " + shape_to_string(k.shape()) + ", expected rank 2");
  if (x.rank == 2) {
    const ValueId kernel = b.constant(c.name + "/kernel", k);
    if (!flag_of(c, "use_bias", true)) return with_activation(c, b, "MatMul", {x.id, kernel}, {}, 2);
    const ValueId product = b.node("MatMul", c.name + "/matmul", {x.id, kernel});
    return with_activation(c, b, "Add", with_bias(c, b, {product}, 1), {}, 2);
  }
  // On a channels-last image Dense mixes the channels of each pixel: a 1x1 convolution.
  Shape shape{k.shape()[1], k.shape()[0]};
  shape.insert(shape.end(), static_cast<std::size_t>(x.rank - 2), 1);
  const ValueId kernel = b.constant(c.name + "/kernel", reshaped(permuted(k, {1, 0}), shape));
  return with_activation(c, b, "Conv", with_bias(c, b, {x.id, kernel}, 1), {}, x.rank);
}

// ---- pooling and resampling ----------------------------------------------------------------------

KerasValue pool(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                const LambdaReplacements&) {
  require_channels_last(c);
  const KerasValue x = single(c, in);
  const auto count = static_cast<std::size_t>(spatial_rank(c, x, dims_in_name(c.class_name)));
  const Ints size = ints_of(c, "pool_size", count, 2);
  const Ints strides = has(c, "strides") ? ints_of(c, "strides", count, 1) : size;
  const bool max = c.class_name.starts_with("Max");
  Attributes attributes{{"kernel_shape", size}, {"strides", strides}, {"auto_pad", auto_pad_of(c)}};
  if (!max) attributes["count_include_pad"] = std::int64_t{0};  // TensorFlow averages over the pixels inside
  return {b.node(max ? "MaxPool" : "AveragePool", c.name, {x.id}, attributes), x.rank};
}

KerasValue global_pool(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                       const LambdaReplacements&) {
  require_channels_last(c);
  const KerasValue x = single(c, in);
  spatial_rank(c, x, dims_in_name(c.class_name));
  const std::string op = c.class_name.starts_with("GlobalMax") ? "GlobalMaxPool" : "GlobalAveragePool";
  if (flag_of(c, "keepdims", false)) return {b.node(op, c.name, {x.id}), x.rank};
  const ValueId pooled = b.node(op, c.name + "/pool", {x.id});
  return {b.node("Flatten", c.name, {pooled}, {{"axis", std::int64_t{1}}}), 2};
}

// Bilinear up-sampling changed with TensorFlow 2's resize_images_v2 (half_pixel_centers on). Standalone
// Keras up to 2.3 and tf.keras "2.2.4-tf" (TF 1.13-2.1; mostly the TF 1.x files DeepImageJ-era models
// come from) resize the TF1 way, "asymmetric"; tf.keras from TF 2.2 ("2.3.0-tf") and Keras 2.4+ the
// half-pixel way. Nearest up-sampling by an integer factor gives the same pixels either way.
bool tf2_resize_rules(const std::string& keras_version) {
  int major = 0, minor = 0;
  std::sscanf(keras_version.c_str(), "%d.%d", &major, &minor);
  const bool tf_keras = keras_version.find("tf") != std::string::npos;
  return major > 2 || (major == 2 && (minor >= 4 || (minor == 3 && tf_keras)));
}

KerasValue upsampling(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                      const LambdaReplacements&) {
  require_channels_last(c);
  const KerasValue x = single(c, in);
  const auto count = static_cast<std::size_t>(spatial_rank(c, x, dims_in_name(c.class_name)));
  const Ints size = ints_of(c, count == 1 && has(c, "length") ? "length" : "size", count, 2);
  Tensor scales(DType::f32, {x.rank});
  std::fill(scales.data<float>(), scales.data<float>() + x.rank, 1.f);
  for (std::size_t i = 0; i < count; ++i) scales.data<float>()[i + 2] = static_cast<float>(size[i]);
  const std::string interpolation = string_of(c, "interpolation", "nearest");
  Attributes attributes;
  if (interpolation == "nearest") {
    attributes = {{"mode", std::string("nearest")},
                  {"coordinate_transformation_mode", std::string("asymmetric")},
                  {"nearest_mode", std::string("floor")}};
  } else if (interpolation == "bilinear") {
    attributes = {{"mode", std::string("linear")},
                  {"coordinate_transformation_mode",
                   std::string(tf2_resize_rules(c.keras_version) ? "half_pixel" : "asymmetric")}};
  } else {
    fail(c, "has interpolation \"" + interpolation + "\", expected \"nearest\" or \"bilinear\"",
         ErrorCode::unsupported);
  }
  return {
      b.node("Resize", c.name, {x.id, graph::no_value, b.constant(c.name + "/scales", std::move(scales))}, attributes),
      x.rank};
}

// ---- merging -------------------------------------------------------------------------------------

KerasValue concatenate(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                       const LambdaReplacements&) {
  if (in.empty()) fail(c, "has no inputs");
  std::vector<ValueId> ids;
  for (const auto& v : in) {
    if (v.rank != in.front().rank) fail(c, "joins tensors of different ranks");
    ids.push_back(v.id);
  }
  const int rank = in.front().rank;
  const auto axis = static_cast<std::int64_t>(number_of(c, "axis", -1));
  if (axis < -rank || axis >= rank)
    fail(c, "has axis " + std::to_string(axis) + " for rank-" + std::to_string(rank) + " inputs");
  return {b.node("Concat", c.name, ids, {{"axis", std::int64_t{channels_first_axis(axis, rank)}}}), rank};
}

KerasValue merge(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                 const LambdaReplacements&) {
  if (in.size() < 2) fail(c, "has " + std::to_string(in.size()) + " inputs, expected at least 2");
  const int rank = std::max_element(in.begin(), in.end(), [](auto& l, auto& r) { return l.rank < r.rank; })->rank;
  const std::string& k = c.class_name;
  if (k == "Subtract") {
    if (in.size() != 2) fail(c, "has " + std::to_string(in.size()) + " inputs, expected 2");
    return {b.node("Sub", c.name, {in[0].id, in[1].id}), rank};
  }
  const bool average = k == "Average";
  const auto step = [&](ValueId acc, ValueId next, const std::string& name) {
    if (k == "Multiply") return b.node("Mul", name, {acc, next});
    if (k == "Maximum" || k == "Minimum") {  // no Max/Min operator in the IR: a select
      const ValueId pick = b.node(k == "Maximum" ? "Greater" : "Less", name + "/compare", {acc, next});
      return b.node("Where", name, {pick, acc, next});
    }
    return b.node("Add", name, {acc, next});
  };
  ValueId acc = in[0].id;
  for (std::size_t i = 1; i < in.size(); ++i)
    acc = step(acc, in[i].id, i + 1 == in.size() && !average ? c.name : c.name + "/" + std::to_string(i));
  if (average)
    acc = b.node("Mul", c.name, {acc, b.scalar(c.name + "/reciprocal", 1.f / static_cast<float>(in.size()))});
  return {acc, rank};
}

// ---- normalisation, identity, activations --------------------------------------------------------

KerasValue batch_normalization(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                               const LambdaReplacements&) {
  const KerasValue x = single(c, in);
  std::int64_t axis = -1;
  if (has(c, "axis")) {
    const auto& a = c.config.at("axis");
    if (a.is_array() && a.size() != 1) fail(c, "normalises over several axes " + a.dump(), ErrorCode::unsupported);
    axis = a.is_array() ? a.at(0).get<std::int64_t>() : a.get<std::int64_t>();
  }
  if (channels_first_axis(axis, x.rank) != 1)
    fail(c, "normalises over axis " + std::to_string(axis) + "; the native engine supports the channel axis",
         ErrorCode::unsupported);
  const bool scale = flag_of(c, "scale", true), center = flag_of(c, "center", true);
  std::size_t position = 0;
  const auto next = [&](const std::string& name) { return c.weight(name, position++); };
  std::optional<Tensor> gamma, beta;
  if (scale) gamma = next("gamma");
  if (center) beta = next("beta");
  const Tensor mean = next("moving_mean"), variance = next("moving_variance");
  const auto filled = [&](float v) {
    Tensor t(DType::f32, mean.shape());
    std::fill(t.data<float>(), t.data<float>() + t.element_count(), v);
    return t;
  };
  return {b.node("BatchNormalization", c.name,
                 {x.id, b.constant(c.name + "/gamma", gamma ? *gamma : filled(1.f)),
                  b.constant(c.name + "/beta", beta ? *beta : filled(0.f)), b.constant(c.name + "/moving_mean", mean),
                  b.constant(c.name + "/moving_variance", variance)},
                 {{"epsilon", number_of(c, "epsilon", 1e-3)}}),
          x.rank};
}

// Dropout and noise layers do nothing at inference.
KerasValue identity(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder&,
                    const LambdaReplacements&) {
  return single(c, in);
}

KerasValue activation(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                      const LambdaReplacements&) {
  return b.activation(single(c, in), string_of(c, "activation", "linear"), c.name, c.where);
}

// ReLU(max_value, negative_slope, threshold): x above the threshold (capped at max_value), else
// negative_slope * (x - threshold).
KerasValue relu(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                const LambdaReplacements&) {
  const KerasValue x = single(c, in);
  const double slope = number_of(c, "negative_slope", 0), threshold = number_of(c, "threshold", 0);
  const bool capped = has(c, "max_value");
  const std::string uncapped = capped ? c.name + "/uncapped" : c.name;
  ValueId y;
  if (threshold != 0) {
    const ValueId shifted =
        b.node("Sub", c.name + "/shifted", {x.id, b.scalar(c.name + "/threshold", static_cast<float>(threshold))});
    const ValueId below =
        b.node("Mul", c.name + "/below", {shifted, b.scalar(c.name + "/slope", static_cast<float>(slope))});
    const ValueId is_below =
        b.node("Less", c.name + "/is_below", {x.id, b.scalar(c.name + "/threshold_", static_cast<float>(threshold))});
    y = b.node("Where", uncapped, {is_below, below, x.id});
  } else if (slope != 0) {
    y = b.node("LeakyRelu", uncapped, {x.id}, {{"alpha", slope}});
  } else {
    y = b.node("Relu", uncapped, {x.id});
  }
  if (!capped) return {y, x.rank};
  return {b.node("Clip", c.name,
                 {y, graph::no_value, b.scalar(c.name + "/max", static_cast<float>(number_of(c, "max_value", 0)))}),
          x.rank};
}

KerasValue leaky_relu(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                      const LambdaReplacements&) {
  const KerasValue x = single(c, in);
  const double alpha = number_of(c, "alpha", number_of(c, "negative_slope", 0.3));
  return {b.node("LeakyRelu", c.name, {x.id}, {{"alpha", alpha}}), x.rank};
}

KerasValue elu(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b, const LambdaReplacements&) {
  const KerasValue x = single(c, in);
  return {b.node("Elu", c.name, {x.id}, {{"alpha", number_of(c, "alpha", 1.0)}}), x.rank};
}

KerasValue thresholded_relu(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                            const LambdaReplacements&) {
  const KerasValue x = single(c, in);
  const ValueId above = b.node("Greater", c.name + "/above",
                               {x.id, b.scalar(c.name + "/theta", static_cast<float>(number_of(c, "theta", 1.0)))});
  return {b.node("Where", c.name, {above, x.id, b.scalar(c.name + "/zero", 0.f)}), x.rank};
}

// alpha has the input's shape without the batch axis (channels-last, 1 along shared_axes).
KerasValue prelu(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                 const LambdaReplacements&) {
  const KerasValue x = single(c, in);
  Tensor alpha = c.weight("alpha", 0);
  if (static_cast<int>(alpha.rank()) != x.rank - 1)
    fail(c,
         "has alpha of shape " + shape_to_string(alpha.shape()) + " for a rank-" + std::to_string(x.rank) + " input");
  if (alpha.rank() >= 2) {
    Ints perm{static_cast<std::int64_t>(alpha.rank()) - 1};
    for (std::int64_t k = 0; k + 1 < static_cast<std::int64_t>(alpha.rank()); ++k) perm.push_back(k);
    alpha = permuted(alpha, perm);
  }
  return {b.node("PRelu", c.name, {x.id, b.constant(c.name + "/alpha", alpha)}), x.rank};
}

KerasValue softmax(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                   const LambdaReplacements&) {
  const KerasValue x = single(c, in);
  const auto axis = static_cast<std::int64_t>(number_of(c, "axis", -1));
  return {b.node("Softmax", c.name, {x.id}, {{"axis", std::int64_t{channels_first_axis(axis, x.rank)}}}), x.rank};
}

// ---- geometry ------------------------------------------------------------------------------------

KerasValue cropping(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                    const LambdaReplacements&) {
  require_channels_last(c);
  const KerasValue x = single(c, in);
  const auto count = static_cast<std::size_t>(spatial_rank(c, x, dims_in_name(c.class_name)));
  const auto crops = pairs_of(c, "cropping", count);
  Ints starts, ends, axes;
  for (std::size_t i = 0; i < count; ++i) {
    starts.push_back(crops[i].first);
    ends.push_back(crops[i].second > 0 ? -crops[i].second : std::numeric_limits<std::int64_t>::max());
    axes.push_back(static_cast<std::int64_t>(i) + 2);
  }
  return {b.node("Slice", c.name,
                 {x.id, b.ints(c.name + "/starts", starts), b.ints(c.name + "/ends", ends),
                  b.ints(c.name + "/axes", axes)}),
          x.rank};
}

KerasValue zero_padding(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                        const LambdaReplacements&) {
  require_channels_last(c);
  const KerasValue x = single(c, in);
  const auto count = static_cast<std::size_t>(spatial_rank(c, x, dims_in_name(c.class_name)));
  const auto pads = pairs_of(c, "padding", count);
  Ints onnx_pads(2 * static_cast<std::size_t>(x.rank), 0);
  for (std::size_t i = 0; i < count; ++i) {
    onnx_pads[i + 2] = pads[i].first;
    onnx_pads[i + 2 + static_cast<std::size_t>(x.rank)] = pads[i].second;
  }
  return {b.node("Pad", c.name, {x.id, b.ints(c.name + "/pads", onnx_pads)}, {{"mode", std::string("constant")}}),
          x.rank};
}

// Reshape, Permute and Flatten act on Keras' channels-last order: back to it, act, and forth again.
KerasValue reshape(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                   const LambdaReplacements&) {
  const KerasValue x = b.to_channels_last(single(c, in), c.name + "/channels_last");
  Ints shape{0};  // 0: keep the batch size
  for (const auto& d : c.config.at("target_shape")) shape.push_back(d.is_null() ? -1 : d.get<std::int64_t>());
  const int rank = static_cast<int>(shape.size());
  const ValueId y =
      b.node("Reshape", rank >= 3 ? c.name + "/reshaped" : c.name, {x.id, b.ints(c.name + "/shape", shape)});
  return rank >= 3 ? b.to_channels_first({y, rank}, c.name) : KerasValue{y, rank};
}

KerasValue permute(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                   const LambdaReplacements&) {
  const KerasValue x = b.to_channels_last(single(c, in), c.name + "/channels_last");
  Ints perm{0};
  for (const auto& d : c.config.at("dims")) perm.push_back(d.get<std::int64_t>());
  if (static_cast<int>(perm.size()) != x.rank)
    fail(c, "permutes " + c.config.at("dims").dump() + " a rank-" + std::to_string(x.rank) + " input");
  const ValueId y = b.node("Transpose", x.rank >= 3 ? c.name + "/permuted" : c.name, {x.id}, {{"perm", perm}});
  return b.to_channels_first({y, x.rank}, c.name);
}

KerasValue flatten(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                   const LambdaReplacements&) {
  const KerasValue x = b.to_channels_last(single(c, in), c.name + "/channels_last");
  return {b.node("Flatten", c.name, {x.id}, {{"axis", std::int64_t{1}}}), 2};
}

// ---- Lambda --------------------------------------------------------------------------------------

// (x - min) / (max - min), min and max per sample over every other axis (DEFCoN's "hist_norm").
KerasValue min_max_normalization(const LayerCall& c, const KerasValue& x, KerasGraphBuilder& b) {
  Ints axes;
  for (int k = 1; k < x.rank; ++k) axes.push_back(k);
  const Attributes keep{{"keepdims", std::int64_t{1}}};
  const ValueId low = b.node("ReduceMin", c.name + "/min", {x.id, b.ints(c.name + "/axes", axes)}, keep);
  const ValueId high = b.node("ReduceMax", c.name + "/max", {x.id, b.ints(c.name + "/axes_", axes)}, keep);
  const ValueId shifted = b.node("Sub", c.name + "/shifted", {x.id, low});
  const ValueId range = b.node("Sub", c.name + "/range", {high, low});
  return {b.node("Div", c.name, {shifted, range}), x.rank};
}

KerasValue lambda(const LayerCall& c, const std::vector<KerasValue>& in, KerasGraphBuilder& b,
                  const LambdaReplacements& lambdas) {
  const auto it = lambdas.find(c.layer_name);
  if (it == lambdas.end())
    fail(c,
         "runs Python code the native engine cannot read; declare what it computes in the rdf, e.g. "
         "config: {deepimage: {keras_lambda: {" +
             c.layer_name +
             ": min_max_normalization}}} (known: identity, "
             "min_max_normalization)",
         ErrorCode::unsupported);
  const KerasValue x = single(c, in);
  if (it->second == "identity") return x;
  if (it->second == "min_max_normalization") return min_max_normalization(c, x, b);
  fail(c, "is declared as \"" + it->second + "\", expected one of: identity, min_max_normalization",
       ErrorCode::invalid_argument);
}

struct Entry {
  const char* class_name;
  LayerConverter convert;
};

// The one list of Keras layer classes the importer reads.
const std::vector<Entry>& converters() {
  // One row per layer family.
  // clang-format off
  static const std::vector<Entry> list{
      {"Conv1D", conv}, {"Conv2D", conv}, {"Conv3D", conv},
      {"Convolution1D", conv}, {"Convolution2D", conv}, {"Convolution3D", conv},
      {"Conv2DTranspose", conv_transpose}, {"Conv3DTranspose", conv_transpose},
      {"Deconvolution2D", conv_transpose}, {"Deconvolution3D", conv_transpose},
      {"DepthwiseConv2D", depthwise_conv}, {"SeparableConv2D", separable_conv},
      {"Dense", dense},
      {"MaxPooling1D", pool}, {"MaxPooling2D", pool}, {"MaxPooling3D", pool},
      {"MaxPool1D", pool}, {"MaxPool2D", pool}, {"MaxPool3D", pool},
      {"AveragePooling1D", pool}, {"AveragePooling2D", pool}, {"AveragePooling3D", pool},
      {"AvgPool1D", pool}, {"AvgPool2D", pool}, {"AvgPool3D", pool},
      {"GlobalAveragePooling1D", global_pool}, {"GlobalAveragePooling2D", global_pool}, {"GlobalAveragePooling3D", global_pool},
      {"GlobalMaxPooling1D", global_pool}, {"GlobalMaxPooling2D", global_pool}, {"GlobalMaxPooling3D", global_pool},
      {"UpSampling1D", upsampling}, {"UpSampling2D", upsampling}, {"UpSampling3D", upsampling},
      {"Concatenate", concatenate},
      {"Add", merge}, {"Subtract", merge}, {"Multiply", merge}, {"Average", merge}, {"Maximum", merge}, {"Minimum", merge},
      {"BatchNormalization", batch_normalization},
      {"Dropout", identity}, {"SpatialDropout1D", identity}, {"SpatialDropout2D", identity}, {"SpatialDropout3D", identity},
      {"GaussianDropout", identity}, {"GaussianNoise", identity}, {"AlphaDropout", identity},
      {"ActivityRegularization", identity},
      {"Activation", activation}, {"ReLU", relu}, {"LeakyReLU", leaky_relu}, {"ELU", elu}, {"PReLU", prelu},
      {"ThresholdedReLU", thresholded_relu}, {"Softmax", softmax},
      {"Cropping1D", cropping}, {"Cropping2D", cropping}, {"Cropping3D", cropping},
      {"ZeroPadding1D", zero_padding}, {"ZeroPadding2D", zero_padding}, {"ZeroPadding3D", zero_padding},
      {"Reshape", reshape}, {"Permute", permute}, {"Flatten", flatten},
      {"Lambda", lambda},
  };
  // clang-format on
  return list;
}

}  // namespace

const Tensor& LayerCall::weight(const std::string& short_name, std::size_t position) const {
  for (const auto& w : weights)
    if (w.name == short_name) return w.value;
  // Older files name weights otherwise ("conv2d_1_W"): fall back on Keras' order.
  if (position < weights.size()) return weights[position].value;
  throw Error(ErrorCode::bad_model, where + " has no weight \"" + short_name + "\" in the file (it has " +
                                        std::to_string(weights.size()) + " weights)");
}

LayerConverter find_layer_converter(const std::string& class_name) {
  for (const auto& e : converters())
    if (class_name == e.class_name) return e.convert;
  return nullptr;
}

std::vector<std::string> known_layer_classes() {
  std::vector<std::string> names;
  for (const auto& e : converters()) names.emplace_back(e.class_name);
  return names;
}

std::vector<std::string> known_lambda_replacements() { return {"identity", "min_max_normalization"}; }

}  // namespace deepimage::engine::keras
