// DnnlExecutor::Plan's op planners: each node becomes oneDNN primitives on the slots of its values, or
// throws NotOnDnnl (or oneDNN throws) before it is half planned, and the node runs its reference kernel.
#include <algorithm>
#include <cstdlib>
#include <limits>
#include <string>

#include "deepimage/error.hpp"
#include "engine/graph/ops.hpp"
#include "engine/native/dnnl_plan.hpp"
#include "engine/native/resize_on_dnnl.hpp"

namespace deepimage::engine::native {

namespace {

float clip_bound(const Graph& g, const Node& node, std::size_t k, float fallback) {
  if (node.inputs.size() <= k || node.inputs[k] == no_value) return fallback;
  if (!g.is_constant(node.inputs[k])) throw NotOnDnnl{};
  const Tensor& t = *g.value(node.inputs[k]).constant;
  if (t.dtype() != DType::f32 || t.element_count() != 1) throw NotOnDnnl{};
  return t.data<float>()[0];
}

// The fused activation of a Conv/ConvTranspose (ops.hpp) as a oneDNN eltwise post-op.
void append_activation(const Node& node, dnnl::post_ops& ops) {
  const std::string act = node.get_string("activation", "");
  if (act.empty()) return;
  const auto alpha = static_cast<float>(node.get_float("alpha", 0.0));
  const auto beta = static_cast<float>(node.get_float("beta", 0.0));
  if (act == "relu") ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
  else if (act == "leaky_relu") ops.append_eltwise(1.0f, algorithm::eltwise_relu, alpha, 0.0f);
  else if (act == "elu") ops.append_eltwise(1.0f, algorithm::eltwise_elu, alpha, 0.0f);
  else if (act == "sigmoid") ops.append_eltwise(1.0f, algorithm::eltwise_logistic, 0.0f, 0.0f);
  else if (act == "tanh") ops.append_eltwise(1.0f, algorithm::eltwise_tanh, 0.0f, 0.0f);
  else if (act == "clip") ops.append_eltwise(1.0f, algorithm::eltwise_clip, alpha, beta);
  else throw Error(ErrorCode::bad_model, node.describe() + ": fused activation \"" + act + "\" is not one of relu, "
                                                               "leaky_relu, elu, sigmoid, tanh, clip");
}

}  // namespace

void DnnlExecutor::Plan::plan_conv(const Node& node, bool transposed) {
  const ValueId x = node.inputs.at(0), w = node.inputs.at(1);
  const ValueId b = node.inputs.size() > 2 ? node.inputs[2] : no_value;
  const ValueId sum = node.inputs.size() > 3 ? node.inputs[3] : no_value;
  const ValueId y = node.outputs.at(0);
  if (!is_f32_activation(x) || !graph.is_constant(w) || (b != no_value && !graph.is_constant(b))) throw NotOnDnnl{};
  if (sum != no_value && !is_f32_activation(sum)) throw NotOnDnnl{};
  const Shape& xs = shape_of(x);
  const Shape& ws = graph.value(w).shape;
  const Shape& ys = shape_of(y);
  const std::size_t spatial = xs.size() - 2;
  if (xs.size() < 3 || xs.size() > 5 || ws.size() != xs.size()) throw NotOnDnnl{};
  const std::int64_t group = node.get_int("group", 1);
  const auto ones = std::vector<std::int64_t>(spatial, 1);
  const auto strides = node.get_ints("strides", ones);
  const auto dilations = node.get_ints("dilations", ones);
  const auto pads = node.get_ints("pads", std::vector<std::int64_t>(2 * spatial, 0));
  if (strides.size() != spatial || dilations.size() != spatial || pads.size() != 2 * spatial) throw NotOnDnnl{};
  dims pad_l(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(spatial));
  dims pad_r(pads.begin() + static_cast<std::ptrdiff_t>(spatial), pads.end());
  // oneDNN 2.6's AVX2 convolution writes through a null pointer when the padding on a side is at least
  // the input's size (a 5x5 kernel, padding 2, on a 1x1 input: DEFCoN's deepest layer on a 4x4 tile);
  // such tiny inputs cost nothing on the reference kernel.
  if (!transposed)
    for (std::size_t i = 0; i < spatial; ++i)
      if (pads[i] >= xs[i + 2] || pads[i + spatial] >= xs[i + 2]) throw NotOnDnnl{};
  dims dnnl_dilations;
  for (auto d : dilations) dnnl_dilations.push_back(d - 1);  // oneDNN counts the gaps
  if (transposed) {
    // ONNX's output_padding adds rows at the end: for oneDNN that is less padding at the end.
    const auto output_padding = node.get_ints("output_padding", std::vector<std::int64_t>(spatial, 0));
    if (output_padding.size() != spatial) throw NotOnDnnl{};
    for (std::size_t i = 0; i < spatial; ++i) {
      pad_r[i] -= output_padding[i];
      if (pad_r[i] < 0) throw NotOnDnnl{};
    }
  }

  // Logical oneDNN weight dims and the strides of ONNX's buffer in that order.
  const Shape kernel(ws.begin() + 2, ws.end());
  const std::int64_t out_channels = ys[1], in_channels = xs[1];
  dims wdims;
  if (group > 1) wdims.push_back(group);
  wdims.push_back(out_channels / group);
  wdims.push_back(in_channels / group);
  wdims.insert(wdims.end(), kernel.begin(), kernel.end());
  // Physical ONNX order: Conv [G*O/G, I/G, k...] = (g, o, i, k); ConvTranspose [G*I/G, O/G, k...] = (g, i, o, k).
  dims physical = wdims;
  const std::size_t o_axis = group > 1 ? 1 : 0, i_axis = o_axis + 1;
  if (transposed) std::swap(physical[o_axis], physical[i_axis]);
  dims pstrides(physical.size(), 1);
  for (std::size_t i = physical.size() - 1; i > 0; --i) pstrides[i - 1] = pstrides[i] * physical[i];
  dims wstrides = pstrides;
  if (transposed) std::swap(wstrides[o_axis], wstrides[i_axis]);
  const md onnx_weights(wdims, dt::f32, wstrides);

  const dt type = compute_type;
  const md src_any(to_dims(xs), type, tag::any);
  const md dst_any(to_dims(ys), type, tag::any);
  const md weights_any(wdims, type, tag::any);
  const md bias_md = b != no_value ? md({out_channels}, dt::f32, tag::a) : md();

  dnnl::post_ops ops;
  if (sum != no_value) ops.append_sum(1.0f);
  append_activation(node, ops);
  dnnl::primitive_attr attr = plan_attr();
  attr.set_post_ops(ops);

  dnnl::primitive primitive;
  md src_desc, weights_desc, dst_desc;
  if (!transposed) {
    const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, algorithm::convolution_direct, src_any,
                                            weights_any, bias_md, dst_any, to_dims(strides), dnnl_dilations, pad_l, pad_r);
    const dnnl::convolution_forward::primitive_desc pd(d, attr, engine);
    primitive = dnnl::convolution_forward(pd);
    src_desc = pd.src_desc(), weights_desc = pd.weights_desc(), dst_desc = pd.dst_desc();
  } else {
    const dnnl::deconvolution_forward::desc d(dnnl::prop_kind::forward_inference, algorithm::deconvolution_direct,
                                              src_any, weights_any, bias_md, dst_any, to_dims(strides), dnnl_dilations,
                                              pad_l, pad_r);
    const dnnl::deconvolution_forward::primitive_desc pd(d, attr, engine);
    primitive = dnnl::deconvolution_forward(pd);
    src_desc = pd.src_desc(), weights_desc = pd.weights_desc(), dst_desc = pd.dst_desc();
  }

  std::unordered_map<int, dnnl::memory> constants;
  constants[DNNL_ARG_WEIGHTS] = constant_memory_with(w, weights_desc, onnx_weights);
  if (b != no_value) constants[DNNL_ARG_BIAS] = constant_memory(b, bias_md, {out_channels});

  const int src = require(x, src_desc);
  int dst;
  if (sum != no_value) {
    // The Sum post-op adds what dst holds: the residual goes into dst's buffer first, or dst IS the
    // residual's buffer when this is the residual's last read.
    const int residual = require(sum, dst_desc);
    const bool last_read = last_reader[static_cast<std::size_t>(sum)] <= node_index;
    dst = output_slot(y, dst_desc);
    const Slot& r = slots[static_cast<std::size_t>(residual)];  // after output_slot: it grows `slots`
    // In place only when the conv does not also read the residual as its input, and the residual's
    // buffer is its own (not a view, not part of a concat's buffer that is read later).
    if (r.place == Place::arena && last_read && residual != src && r.alias_of < 0) {
      slots[static_cast<std::size_t>(dst)].alias_of = residual;
      ++slots[static_cast<std::size_t>(residual)].aliased_by;
    } else {
      Step copy;
      copy.what = "residual copy for " + node.describe();
      copy.primitive = dnnl::reorder(dnnl::reorder::primitive_desc(engine, r.desc, engine, dst_desc, plan_attr()));
      copy.slot_args = {{DNNL_ARG_FROM, residual}, {DNNL_ARG_TO, dst}};
      copy.reads = {residual};
      copy.writes = {dst};
      steps.push_back(std::move(copy));
    }
    add_primitive(node, primitive, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}}, std::move(constants));
    steps.back().reads.push_back(residual);
    steps.back().reads.push_back(dst);
    return;
  }
  dst = output_slot(y, dst_desc);
  add_primitive(node, primitive, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}}, std::move(constants));
}

void DnnlExecutor::Plan::plan_pool(const Node& node) {
  const ValueId x = node.inputs.at(0), y = node.outputs.at(0);
  if (!is_f32_activation(x) || node.outputs.size() != 1) throw NotOnDnnl{};
  const Shape& xs = shape_of(x);
  const Shape& ys = shape_of(y);
  if (xs.size() < 3 || xs.size() > 5) throw NotOnDnnl{};
  const std::size_t spatial = xs.size() - 2;
  const bool global = node.op == "GlobalAveragePool" || node.op == "GlobalMaxPool";
  const bool average = node.op == "AveragePool" || node.op == "GlobalAveragePool";
  const auto ones = std::vector<std::int64_t>(spatial, 1);
  const auto kernel = global ? std::vector<std::int64_t>(xs.begin() + 2, xs.end()) : node.get_ints("kernel_shape");
  const auto strides = global ? ones : node.get_ints("strides", ones);
  const auto dilations = global ? ones : node.get_ints("dilations", ones);
  const auto pads = global ? std::vector<std::int64_t>(2 * spatial, 0)
                           : node.get_ints("pads", std::vector<std::int64_t>(2 * spatial, 0));
  if (kernel.size() != spatial || strides.size() != spatial || dilations.size() != spatial || pads.size() != 2 * spatial)
    throw NotOnDnnl{};
  const bool include_pad = node.get_int("count_include_pad", 0) != 0;
  dims pad_l, pad_r, dnnl_dilations;
  for (std::size_t i = 0; i < spatial; ++i) {
    // ceil_mode's extra output row reads past the end: more end padding, which max pooling and
    // exclude-padding averages ignore. With count_include_pad that row's divisor differs: reference.
    const std::int64_t reach = (ys[i + 2] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1;
    const std::int64_t needed = reach - xs[i + 2] - pads[i];
    std::int64_t end = pads[i + spatial];
    if (needed > end) {
      if (average && include_pad) throw NotOnDnnl{};
      end = needed;
    }
    pad_l.push_back(pads[i]);
    pad_r.push_back(end);
    dnnl_dilations.push_back(dilations[i] - 1);
  }
  const algorithm alg = !average ? algorithm::pooling_max
                        : include_pad ? algorithm::pooling_avg_include_padding
                                      : algorithm::pooling_avg_exclude_padding;
  const int src = slot_of(x);
  const md& src_desc = slots[static_cast<std::size_t>(src)].desc;
  const md dst_any(to_dims(ys), src_desc.data_type(), tag::any);
  const dnnl::pooling_v2_forward::desc d(dnnl::prop_kind::forward_inference, alg, src_desc, dst_any, to_dims(strides),
                                         to_dims(kernel), dnnl_dilations, pad_l, pad_r);
  const dnnl::pooling_v2_forward::primitive_desc pd(d, plan_attr(), engine);
  const int dst = output_slot(y, pd.dst_desc());
  add_primitive(node, dnnl::pooling_v2_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
}

void DnnlExecutor::Plan::plan_eltwise(const Node& node, algorithm alg, float alpha, float beta) {
  const ValueId x = node.inputs.at(0), y = node.outputs.at(0);
  if (!is_f32_activation(x) || graph.value(y).dtype != DType::f32) throw NotOnDnnl{};
  const int src = slot_of(x);
  const md src_desc = slots[static_cast<std::size_t>(src)].desc;
  const dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, alg, src_desc, alpha, beta);
  const dnnl::eltwise_forward::primitive_desc pd(d, plan_attr(), engine);
  const int dst = output_slot(y, pd.dst_desc());
  add_primitive(node, dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
}

void DnnlExecutor::Plan::plan_binary(const Node& node, algorithm alg, bool commutative) {
  ValueId a = node.inputs.at(0), b = node.inputs.at(1);
  const ValueId y = node.outputs.at(0);
  if (graph.value(y).dtype != DType::f32 || graph.value(a).dtype != DType::f32 || graph.value(b).dtype != DType::f32)
    throw NotOnDnnl{};
  const Shape& ys = shape_of(y);
  // oneDNN broadcasts the second source only: the first must have the output's shape and be computed.
  if ((shape_of(a) != ys || graph.is_constant(a)) && commutative) std::swap(a, b);
  if (shape_of(a) != ys || graph.is_constant(a) || ys.empty()) throw NotOnDnnl{};
  const int src0 = slot_of(a);
  const md src0_desc = slots[static_cast<std::size_t>(src0)].desc;
  const Shape bs = padded(shape_of(b), ys.size());
  std::unordered_map<int, dnnl::memory> constants;
  std::vector<std::pair<int, int>> args = {{DNNL_ARG_SRC_0, src0}};
  md src1_desc;
  if (graph.is_constant(b)) {
    src1_desc = plain_md(bs, dt::f32);
    constants[DNNL_ARG_SRC_1] = constant_memory(b, src1_desc, bs);
  } else {
    // Same shape: the same layout as the first source; broadcast (ranks aligned numpy's way): plain.
    src1_desc = bs == ys ? src0_desc : plain_md(bs, dt::f32);
    args.emplace_back(DNNL_ARG_SRC_1, require(b, src1_desc));
  }
  const md dst_desc = src0_desc;
  const dnnl::binary::desc d(alg, src0_desc, src1_desc, dst_desc);
  const dnnl::binary::primitive_desc pd(d, plan_attr(), engine);
  const int dst = output_slot(y, pd.dst_desc());
  args.emplace_back(DNNL_ARG_DST, dst);
  add_primitive(node, dnnl::binary(pd), std::move(args), std::move(constants));
}

// A channel concat of one image whose inputs are all in the same channel-outer layout (plain nchw or
// blocked nChw16c/8c with whole blocks per input): each input's bytes are one contiguous range of the
// output's, so the producers write straight into the output buffer and no copy runs (U-Net skips).
bool DnnlExecutor::Plan::concat_in_place(const Node& node, int axis) {
  const ValueId y = node.outputs[0];
  const Shape& ys = shape_of(y);
  if (axis != 1 || ys.size() < 3 || ys.size() > 5 || ys[0] != 1) return false;
  const std::vector<tag> candidates =
      ys.size() == 3 ? std::vector<tag>{tag::abc, tag::aBc16b, tag::aBc8b}
      : ys.size() == 4 ? std::vector<tag>{tag::abcd, tag::aBcd16b, tag::aBcd8b}
                       : std::vector<tag>{tag::abcde, tag::aBcde16b, tag::aBcde8b};
  const std::vector<std::int64_t> blocks = {1, 16, 8};
  std::vector<int> members;
  for (ValueId v : node.inputs) {
    if (v == no_value || graph.is_constant(v)) return false;
    const int s = slot_of(v);
    const Slot& slot = slots[static_cast<std::size_t>(s)];
    if (slot.place != Place::arena || slot.alias_of >= 0 || slot.aliased_by > 0) return false;
    if (std::find(members.begin(), members.end(), s) != members.end()) return false;
    members.push_back(s);
  }
  const md& first = slots[static_cast<std::size_t>(members[0])].desc;
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    bool all = true;
    for (std::size_t k = 0; k < members.size() && all; ++k) {
      const md& d = slots[static_cast<std::size_t>(members[k])].desc;
      all = d.data_type() == first.data_type() && shape_of(node.inputs[k])[1] % blocks[c] == 0 &&
            d == md(to_dims(shape_of(node.inputs[k])), first.data_type(), candidates[c]);
    }
    if (!all) continue;
    const int dst = output_slot(y, md(to_dims(ys), first.data_type(), candidates[c]));
    std::size_t offset = 0;
    for (int m : members) {
      Slot& member = slots[static_cast<std::size_t>(m)];
      member.alias_of = dst;
      member.alias_offset = offset;
      offset += member.desc.get_size();
    }
    ++slots[static_cast<std::size_t>(dst)].aliased_by;
    return true;
  }
  return false;
}

void DnnlExecutor::Plan::plan_concat(const Node& node) {
  const ValueId y = node.outputs.at(0);
  if (node.inputs.empty() || graph.value(y).dtype != DType::f32) throw NotOnDnnl{};
  for (ValueId v : node.inputs)
    if (!is_f32_activation(v)) throw NotOnDnnl{};
  const int axis = graph::normalize_axis(node.get_int("axis", 0), shape_of(y).size(), node);
  if (concat_in_place(node, axis)) return;
  const dt type = slots[static_cast<std::size_t>(slot_of(node.inputs[0]))].desc.data_type();
  std::vector<md> srcs;
  std::vector<std::pair<int, int>> args;
  for (std::size_t k = 0; k < node.inputs.size(); ++k) {
    int s = slot_of(node.inputs[k]);
    md d = slots[static_cast<std::size_t>(s)].desc;
    if (d.data_type() != type) s = require(node.inputs[k], plain_md(shape_of(node.inputs[k]), type));
    srcs.push_back(slots[static_cast<std::size_t>(s)].desc);
    args.emplace_back(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(k), s);
  }
  const dnnl::concat::primitive_desc pd(axis, srcs, engine, plan_attr());
  const int dst = output_slot(y, pd.dst_desc());
  args.emplace_back(DNNL_ARG_DST, dst);
  add_primitive(node, dnnl::concat(pd), std::move(args));
}

void DnnlExecutor::Plan::plan_resize(const Node& node) {
  const ValueId x = node.inputs.at(0), y = node.outputs.at(0);
  if (!is_f32_activation(x)) throw NotOnDnnl{};
  const DnnlResampling kind = dnnl_resampling_for(graph, node, shape_of(x), shape_of(y));
  if (kind == DnnlResampling::none) throw NotOnDnnl{};
  const int src = slot_of(x);
  const md src_desc = slots[static_cast<std::size_t>(src)].desc;
  const md dst_any(to_dims(shape_of(y)), src_desc.data_type(), tag::any);
  const dnnl::resampling_forward::desc d(
      dnnl::prop_kind::forward_inference,
      kind == DnnlResampling::nearest ? algorithm::resampling_nearest : algorithm::resampling_linear, src_desc, dst_any);
  const dnnl::resampling_forward::primitive_desc pd(d, plan_attr(), engine);
  const int dst = output_slot(y, pd.dst_desc());
  add_primitive(node, dnnl::resampling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
}

void DnnlExecutor::Plan::plan_norm(const Node& node, bool instance) {
  const ValueId x = node.inputs.at(0), y = node.outputs.at(0);
  if (!is_f32_activation(x) || node.outputs.size() != 1) throw NotOnDnnl{};
  const Shape& xs = shape_of(x);
  // Instance normalisation of one image is batch normalisation with statistics computed per call.
  if (xs.size() < 3 || (instance && xs[0] != 1)) throw NotOnDnnl{};
  const std::size_t params = instance ? 3 : 5;
  for (std::size_t k = 1; k < params; ++k)
    if (node.inputs.size() <= k || !graph.is_constant(node.inputs[k])) throw NotOnDnnl{};
  const std::int64_t channels = xs[1];
  const md channel_md({channels}, dt::f32, tag::a);
  auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  if (!instance) flags = flags | dnnl::normalization_flags::use_global_stats;
  const int src = slot_of(x);
  const md src_desc = slots[static_cast<std::size_t>(src)].desc;
  const dnnl::batch_normalization_forward::desc d(dnnl::prop_kind::forward_inference, src_desc,
                                                  static_cast<float>(node.get_float("epsilon", 1e-5)), flags);
  const dnnl::batch_normalization_forward::primitive_desc pd(d, plan_attr(), engine);
  std::unordered_map<int, dnnl::memory> constants;
  constants[DNNL_ARG_SCALE] = constant_memory(node.inputs[1], channel_md, {channels});
  constants[DNNL_ARG_SHIFT] = constant_memory(node.inputs[2], channel_md, {channels});
  if (!instance) {
    constants[DNNL_ARG_MEAN] = constant_memory(node.inputs[3], channel_md, {channels});
    constants[DNNL_ARG_VARIANCE] = constant_memory(node.inputs[4], channel_md, {channels});
  } else {
    constants[DNNL_ARG_MEAN] = dnnl::memory(pd.mean_desc(), engine);
    constants[DNNL_ARG_VARIANCE] = dnnl::memory(pd.variance_desc(), engine);
  }
  if (pd.workspace_desc().get_size() != 0) throw NotOnDnnl{};
  const int dst = output_slot(y, pd.dst_desc());
  add_primitive(node, dnnl::batch_normalization_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}},
                std::move(constants));
}

void DnnlExecutor::Plan::plan_softmax(const Node& node) {
  const ValueId x = node.inputs.at(0), y = node.outputs.at(0);
  if (!is_f32_activation(x)) throw NotOnDnnl{};
  const Shape& xs = shape_of(x);
  if (xs.empty()) throw NotOnDnnl{};
  const int axis = graph::normalize_axis(node.get_int("axis", -1), xs.size(), node);
  // The opset < 13 form normalises over all axes from `axis` on: the same only when those after it are 1.
  if (node.get_int("legacy", 0) != 0)
    for (std::size_t i = static_cast<std::size_t>(axis) + 1; i < xs.size(); ++i)
      if (xs[i] != 1) throw NotOnDnnl{};
  const int src = slot_of(x);
  const md src_desc = slots[static_cast<std::size_t>(src)].desc;
  const dnnl::softmax_forward::desc d(dnnl::prop_kind::forward_inference, src_desc, axis);
  const dnnl::softmax_forward::primitive_desc pd(d, plan_attr(), engine);
  const int dst = output_slot(y, pd.dst_desc());
  add_primitive(node, dnnl::softmax_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
}

void DnnlExecutor::Plan::plan_reduce(const Node& node, algorithm alg) {
  const ValueId x = node.inputs.at(0), y = node.outputs.at(0);
  if (!is_f32_activation(x)) throw NotOnDnnl{};
  const Shape& xs = shape_of(x);
  if (xs.empty()) throw NotOnDnnl{};
  std::vector<std::int64_t> axes;
  if (node.inputs.size() > 1 && node.inputs[1] != no_value) {
    if (!graph.is_constant(node.inputs[1])) throw NotOnDnnl{};
    const Tensor& t = *graph.value(node.inputs[1]).constant;
    if (t.dtype() != DType::i64) throw NotOnDnnl{};
    axes.assign(t.data<std::int64_t>(), t.data<std::int64_t>() + t.element_count());
  }
  if (axes.empty()) {
    if (node.get_int("noop_with_empty_axes", 0) != 0) throw NotOnDnnl{};
    for (std::size_t i = 0; i < xs.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
  }
  Shape kept = xs;
  for (auto a : axes) kept[static_cast<std::size_t>(graph::normalize_axis(a, xs.size(), node))] = 1;
  if (element_count(kept) != element_count(shape_of(y))) throw NotOnDnnl{};
  const int src = slot_of(x);
  const md src_desc = slots[static_cast<std::size_t>(src)].desc;
  const md dst_desc = plain_md(kept, src_desc.data_type());
  const dnnl::reduction::desc d(alg, src_desc, dst_desc, 0.0f, 0.0f);
  const dnnl::reduction::primitive_desc pd(d, plan_attr(), engine);
  // keepdims = 0 drops the size-1 axes: the same plain bytes under the output's shape.
  const int dst = output_slot(y, plain_md(shape_of(y), src_desc.data_type()));
  add_primitive(node, dnnl::reduction(pd), {{DNNL_ARG_SRC, src}});
  steps.back().view_args.emplace_back(DNNL_ARG_DST, dst, dst_desc);
  steps.back().writes.push_back(dst);
}

void DnnlExecutor::Plan::plan_matmul(const Node& node) {
  const ValueId a = node.inputs.at(0), b = node.inputs.at(1), y = node.outputs.at(0);
  if (!is_f32_activation(a) || graph.value(b).dtype != DType::f32) throw NotOnDnnl{};
  const Shape& ys = shape_of(y);
  if (shape_of(a).size() < 2 || shape_of(b).size() < 2 || ys.size() > 12) throw NotOnDnnl{};
  const Shape as = padded(shape_of(a), ys.size()), bs = padded(shape_of(b), ys.size());
  const dt type = compute_type;
  const md src_desc = plain_md(as, type);
  const md dst_desc = plain_md(ys, type);
  const md weights_desc = graph.is_constant(b) ? md(to_dims(bs), type, tag::any) : plain_md(bs, type);
  const dnnl::matmul::desc d(src_desc, weights_desc, dst_desc);
  const dnnl::matmul::primitive_desc pd(d, plan_attr(), engine);
  std::unordered_map<int, dnnl::memory> constants;
  std::vector<std::pair<int, int>> args;
  if (graph.is_constant(b)) constants[DNNL_ARG_WEIGHTS] = constant_memory(b, pd.weights_desc(), bs);
  const int src = require(a, src_desc);
  args.emplace_back(DNNL_ARG_SRC, src);
  if (!graph.is_constant(b)) args.emplace_back(DNNL_ARG_WEIGHTS, require(b, weights_desc));
  const int dst = output_slot(y, dst_desc);
  args.emplace_back(DNNL_ARG_DST, dst);
  add_primitive(node, dnnl::matmul(pd), std::move(args), std::move(constants));
}

// Slice with unit steps (a U-Net's centre crop of its skip connection): a reorder from the part of the
// input's buffer the slice selects, in the input's own layout.
void DnnlExecutor::Plan::plan_slice(const Node& node) {
  const ValueId x = node.inputs.at(0), y = node.outputs.at(0);
  if (!is_f32_activation(x) || node.inputs.size() < 3) throw NotOnDnnl{};
  const Shape& xs = shape_of(x);
  const Shape& ys = shape_of(y);
  if (xs.empty() || ys.size() != xs.size()) throw NotOnDnnl{};
  auto ints = [&](std::size_t k) -> std::vector<std::int64_t> {
    if (node.inputs.size() <= k || node.inputs[k] == no_value) return {};
    if (!graph.is_constant(node.inputs[k]) || graph.value(node.inputs[k]).dtype != DType::i64) throw NotOnDnnl{};
    const Tensor& t = *graph.value(node.inputs[k]).constant;
    return {t.data<std::int64_t>(), t.data<std::int64_t>() + t.element_count()};
  };
  const auto starts = ints(1), axes = ints(3), strides = ints(4);
  dims offsets(xs.size(), 0);
  for (std::size_t i = 0; i < starts.size(); ++i) {
    if (!strides.empty() && strides.at(i) != 1) throw NotOnDnnl{};
    const auto axis = static_cast<std::size_t>(
        graph::normalize_axis(axes.empty() ? static_cast<std::int64_t>(i) : axes.at(i), xs.size(), node));
    std::int64_t start = starts[i] < 0 ? starts[i] + xs[axis] : starts[i];
    offsets[axis] = std::clamp<std::int64_t>(start, 0, xs[axis]);
  }
  for (std::size_t a = 0; a < xs.size(); ++a)
    if (offsets[a] + ys[a] > xs[a]) throw NotOnDnnl{};
  int src = slot_of(x);
  if (slots[static_cast<std::size_t>(src)].place != Place::arena) throw NotOnDnnl{};
  // The crop as a view of the source: a reorder from part of it. A blocked layout (nChw8c or
  // nChw16c, which oneDNN picks for convolutions by the machine's vector width) has no view starting
  // inside a block of channels; the value's plain copy (one reorder, shared with any other reader wanting it plain) is
  // cut instead.
  const auto crop_of = [&](int from) {
    const md from_desc = slots[static_cast<std::size_t>(from)].desc;
    const md part = from_desc.submemory_desc(to_dims(ys), offsets);
    const md to = same_format(from_desc, ys);
    return std::make_tuple(part, to, dnnl::reorder::primitive_desc(engine, part, engine, to, plan_attr()));
  };
  std::tuple<md, md, dnnl::reorder::primitive_desc> crop;
  try {
    crop = crop_of(src);
  } catch (const dnnl::error&) {
    if (is_plain(slots[static_cast<std::size_t>(src)].desc)) throw;
    src = require(x, plain_md(xs, dt::f32));
    crop = crop_of(src);
  }
  const auto& [part, dst_desc, pd] = crop;
  const int dst = output_slot(y, dst_desc);
  add_primitive(node, dnnl::reorder(pd), {{DNNL_ARG_TO, dst}});
  steps.back().view_args.emplace_back(DNNL_ARG_FROM, src, part);
  steps.back().reads.push_back(src);
}

void DnnlExecutor::Plan::plan_reference(const Node& node) {
  const graph::OpDef* op = graph::find_graph_op(node.op);
  if (!op) throw Error(ErrorCode::unsupported, node.describe() + ": operator \"" + node.op + "\" has no kernel");
  Step step;
  step.what = node.describe();
  step.node = &node;
  for (ValueId v : node.inputs) {
    ReferenceInput in;
    in.value = v;
    if (v != no_value && !graph.is_constant(v)) {
      in.slot = slot_of(v);
      const Slot& s = slots[static_cast<std::size_t>(in.slot)];
      if (s.place == Place::arena) in.to_plain = to_plain_reorder(s.desc, shape_of(v));
      step.reads.push_back(in.slot);
    }
    step.reference_inputs.push_back(std::move(in));
  }
  for (ValueId v : node.outputs) {
    const graph::Value& value = graph.value(v);
    const int s = add_slot(value.dtype == DType::f32 ? plain_md(value.shape, dt::f32) : md(), Place::host, v);
    slot_of_value[static_cast<std::size_t>(v)] = s;
    step.reference_outputs.push_back(s);
    step.writes.push_back(s);
  }
  steps.push_back(std::move(step));
}

void DnnlExecutor::Plan::plan_node(const Node& node) {
  const std::string& op = node.op;
  // Only ops whose oneDNN kernels are sums and products keep NaN where PyTorch does.
  if (nan_safe && op != "Conv" && op != "ConvTranspose" && op != "AveragePool" && op != "GlobalAveragePool" &&
      op != "Add" && op != "Sub" && op != "Mul" && op != "Div" && op != "Concat" && op != "Resize" &&
      op != "BatchNormalization" && op != "MatMul" && op != "Slice")
    throw NotOnDnnl{};
  const float max = std::numeric_limits<float>::max();
  if (op == "Conv") return plan_conv(node, false);
  if (op == "ConvTranspose") return plan_conv(node, true);
  if (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool" || op == "GlobalMaxPool") return plan_pool(node);
  if (op == "Relu") return plan_eltwise(node, algorithm::eltwise_relu, 0.0f, 0.0f);
  if (op == "LeakyRelu")
    return plan_eltwise(node, algorithm::eltwise_relu, static_cast<float>(node.get_float("alpha", 0.01)), 0.0f);
  if (op == "Elu") return plan_eltwise(node, algorithm::eltwise_elu, static_cast<float>(node.get_float("alpha", 1.0)), 0.0f);
  if (op == "Sigmoid") return plan_eltwise(node, algorithm::eltwise_logistic, 0.0f, 0.0f);
  if (op == "Tanh") return plan_eltwise(node, algorithm::eltwise_tanh, 0.0f, 0.0f);
  if (op == "Sqrt") return plan_eltwise(node, algorithm::eltwise_sqrt, 0.0f, 0.0f);
  if (op == "Exp") return plan_eltwise(node, algorithm::eltwise_exp, 0.0f, 0.0f);
  if (op == "Abs") return plan_eltwise(node, algorithm::eltwise_abs, 0.0f, 0.0f);
  if (op == "Neg") return plan_eltwise(node, algorithm::eltwise_linear, -1.0f, 0.0f);
  if (op == "Identity") return plan_eltwise(node, algorithm::eltwise_linear, 1.0f, 0.0f);
  if (op == "Clip")
    return plan_eltwise(node, algorithm::eltwise_clip, clip_bound(graph, node, 1, -max), clip_bound(graph, node, 2, max));
  if (op == "Pow") {
    // x ^ constant scalar: oneDNN's eltwise pow computes alpha * x ^ beta.
    const ValueId e = node.inputs.at(1);
    if (!graph.is_constant(e) || graph.value(e).constant->element_count() != 1 ||
        graph.value(e).dtype != DType::f32 || element_count(shape_of(node.outputs[0])) != element_count(shape_of(node.inputs[0])))
      throw NotOnDnnl{};
    return plan_eltwise(node, algorithm::eltwise_pow, 1.0f, graph.value(e).constant->data<float>()[0]);
  }
  if (op == "Add") return plan_binary(node, algorithm::binary_add, true);
  if (op == "Mul") return plan_binary(node, algorithm::binary_mul, true);
  if (op == "Sub") return plan_binary(node, algorithm::binary_sub, false);
  if (op == "Div") return plan_binary(node, algorithm::binary_div, false);
  if (op == "Concat") return plan_concat(node);
  if (op == "Resize") return plan_resize(node);
  if (op == "BatchNormalization") return plan_norm(node, false);
  if (op == "InstanceNormalization") return plan_norm(node, true);
  if (op == "Softmax") return plan_softmax(node);
  if (op == "ReduceMean") return plan_reduce(node, algorithm::reduction_mean);
  if (op == "ReduceMax") return plan_reduce(node, algorithm::reduction_max);
  if (op == "ReduceMin") return plan_reduce(node, algorithm::reduction_min);
  if (op == "ReduceSum") return plan_reduce(node, algorithm::reduction_sum);
  if (op == "MatMul") return plan_matmul(node);
  if (op == "Slice") return plan_slice(node);
  throw NotOnDnnl{};
}


}  // namespace deepimage::engine::native
