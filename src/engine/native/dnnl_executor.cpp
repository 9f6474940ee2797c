// DnnlExecutor (dnnl_executor.hpp). Construction plans the whole graph once:
//
//   graph value ──> Slot (a buffer: its oneDNN memory descriptor, where it lives) ──> Steps that read/write slots
//
// * Layout: convolutions choose their layout (format_tag::any, usually nChw16c); every op after them takes
//   its input's layout as it is (pooling, eltwise, binary, concat, resampling, norms), so activations stay
//   blocked from the first convolution to the output. A reorder step is inserted only where an op needs
//   another layout (graph outputs, reference kernels, a convolution whose input came plain).
// * Memory: slots in the arena get offsets from a greedy allocator over their live ranges (first write,
//   last read), so buffers are reused; a convolution with a residual Sum writes into the residual's
//   buffer when that is the residual's last read.
// * Ops without a oneDNN primitive (or attribute combinations oneDNN computes differently) run the
//   reference kernel (graph/ops.hpp) on plain tensors held by "host" slots.
#include "engine/native/dnnl_executor.hpp"

#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cpuid.h>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>
#include <utility>

#include "deepimage/error.hpp"
#include "engine/graph/ops.hpp"
#include "engine/graph/passes.hpp"
#include "engine/native/resize_on_dnnl.hpp"

namespace deepimage::engine::native {

using graph::Graph;
using graph::no_value;
using graph::Node;
using graph::ValueId;
using md = dnnl::memory::desc;
using dt = dnnl::memory::data_type;
using dims = dnnl::memory::dims;
using tag = dnnl::memory::format_tag;
using algorithm = dnnl::algorithm;

bool cpu_has_bf16() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const unsigned max_subleaf = a;
  if ((d >> 22) & 1u) return true;  // AMX-BF16
  if (max_subleaf < 1 || !__get_cpuid_count(7, 1, &a, &b, &c, &d)) return false;
  return (a >> 5) & 1u;  // AVX512_BF16
}

namespace {

md plain_md(const Shape& shape, dt type);

bool is_plain(const md& d) {
  const dims ds = d.dims();
  return d == plain_md(Shape(ds.begin(), ds.end()), d.data_type());
}

// Two descriptors of the same dims whose element addresses agree: dense, unblocked, and equal strides
// on every axis longer than 1 (nhwc and nchw of a single channel are the same bytes).
bool same_bytes(const md& a, const md& b) {
  const dnnl_memory_desc_t &x = a.data, &y = b.data;
  if (x.ndims != y.ndims || x.data_type != y.data_type || x.format_kind != dnnl_blocked || y.format_kind != dnnl_blocked ||
      x.offset0 != 0 || y.offset0 != 0 || x.extra.flags != 0 || y.extra.flags != 0 ||
      x.format_desc.blocking.inner_nblks != 0 || y.format_desc.blocking.inner_nblks != 0 || a.get_size() != b.get_size())
    return false;
  std::int64_t elements = 1;
  for (int i = 0; i < x.ndims; ++i) {
    if (x.dims[i] != y.dims[i] || x.padded_dims[i] != x.dims[i] || y.padded_dims[i] != y.dims[i]) return false;
    if (x.dims[i] > 1 && x.format_desc.blocking.strides[i] != y.format_desc.blocking.strides[i]) return false;
    elements *= x.dims[i];
  }
  return a.get_size() == static_cast<std::size_t>(elements) * dnnl::memory::data_type_size(a.data_type());
}

md plain_md(const Shape& shape, dt type) {
  dims d(shape.begin(), shape.end());
  if (d.empty()) d = {1};
  dims strides(d.size(), 1);
  for (std::size_t i = d.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * d[i];
  return md(d, type, strides);
}

dims to_dims(const std::vector<std::int64_t>& v) { return dims(v.begin(), v.end()); }

// A shape padded with leading 1s to `rank` (numpy broadcasting aligns trailing axes).
Shape padded(const Shape& s, std::size_t rank) {
  Shape r(rank - s.size(), 1);
  r.insert(r.end(), s.begin(), s.end());
  return r;
}

constexpr std::size_t arena_alignment = 64;
std::size_t aligned(std::size_t n) { return (n + arena_alignment - 1) / arena_alignment * arena_alignment; }

// Thrown by an op planner when oneDNN cannot compute this node exactly: the node runs its reference kernel.
struct NotOnDnnl {};

}  // namespace

struct DnnlExecutor::Plan {
  enum class Place { arena, host, input, constant };
  struct Slot {
    md desc;                  // layout of the buffer (host and input slots: plain, the value's dtype)
    Place place = Place::arena;
    ValueId value = no_value;
    int input_index = -1;     // Place::input: position in run()'s inputs
    int alias_of = -1;        // this other slot's buffer: a residual Sum in place, or a view with other dims
    std::size_t alias_offset = 0;  // bytes into alias_of's buffer (a concat input's channels)
    int aliased_by = 0;       // slots that write into this one's buffer in place
    std::vector<int> views;   // host slots: the views whose handle follows this slot's tensor
    int first_write = std::numeric_limits<int>::max();
    int last_read = -1;
    std::size_t offset = 0;   // Place::arena
    dnnl::memory memory;      // f32/bf16 slots that oneDNN reads or writes
    Tensor tensor;            // Place::host: the reference kernel's output, freed after the last read
  };
  struct ReferenceInput {
    ValueId value = no_value;  // a constant, or the value whose slot is read
    int slot = -1;
    dnnl::reorder to_plain;    // arena slots: into a plain f32 tensor
  };
  struct Step {
    std::string what;          // the node's description, for messages
    // oneDNN primitive: arguments are slots (their memory objects), constants or views of a slot
    dnnl::primitive primitive;
    std::vector<std::pair<int, int>> slot_args;
    std::vector<std::tuple<int, int, md>> view_args;
    std::unordered_map<int, dnnl::memory> args;
    // reference kernel
    const Node* node = nullptr;
    std::vector<ReferenceInput> reference_inputs;
    std::vector<int> reference_outputs;
    std::vector<int> reads, writes;  // slots, for live ranges
    std::vector<int> release;        // host slots freed after this step
  };
  struct Output {
    ValueId value = no_value;
    int slot = -1;
    dnnl::reorder to_plain;
  };

  Graph graph;
  ExecutorOptions options;
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dt compute_type = dt::f32;   // convolutions, deconvolutions, matmuls
  std::vector<Slot> slots;
  std::vector<int> slot_of_value;
  std::vector<int> last_reader;  // per value: index of the last node reading it (outputs: node count)
  std::map<std::pair<int, std::string>, int> converted;  // (slot, layout) -> slot holding that layout
  std::vector<Step> steps;
  std::vector<Output> outputs;
  std::byte* arena = nullptr;
  std::size_t arena_size = 0;
  int node_index = 0;
  bool nan_safe = false;   // ops that compare values (max, relu, clip) run their reference kernel

  ~Plan() { std::free(arena); }

  // --- slots ---
  int add_slot(md desc, Place place, ValueId value) {
    Slot s;
    s.desc = std::move(desc);
    s.place = place;
    s.value = value;
    slots.push_back(std::move(s));
    return static_cast<int>(slots.size()) - 1;
  }
  const Shape& shape_of(ValueId v) const { return graph.value(v).shape; }
  bool is_f32_activation(ValueId v) const {
    return v != no_value && !graph.is_constant(v) && graph.value(v).dtype == DType::f32;
  }
  int slot_of(ValueId v) const { return slot_of_value.at(static_cast<std::size_t>(v)); }

  static std::string layout_key(const md& d) {
    const auto& c = d.data;
    return std::string(reinterpret_cast<const char*>(&c), sizeof(c));
  }

  // A slot holding value `v` in layout `want`: its own slot, or a reorder into a temporary.
  int require(ValueId v, const md& want) {
    const int s = slot_of(v);
    if (slots[static_cast<std::size_t>(s)].desc == want) return s;
    const auto key = std::make_pair(s, layout_key(want));
    if (auto it = converted.find(key); it != converted.end()) return it->second;
    const md& have = slots[static_cast<std::size_t>(s)].desc;
    if ((is_plain(have) && is_plain(want) && have.data_type() == want.data_type() && have.get_size() == want.get_size()) ||
        same_bytes(have, want)) {
      // Only the dims differ (numpy rank padding, keepdims), or the layouts differ only in the order of
      // size-1 axes (nchw and nhwc of one channel): a view of the same bytes.
      const int view = add_slot(want, slots[static_cast<std::size_t>(s)].place, v);
      slots[static_cast<std::size_t>(view)].alias_of = s;
      slots[static_cast<std::size_t>(view)].input_index = slots[static_cast<std::size_t>(s)].input_index;
      slots[static_cast<std::size_t>(s)].views.push_back(view);
      converted[key] = view;
      return view;
    }
    const int t = add_slot(want, Place::arena, v);
    Step step;
    step.what = "reorder of \"" + graph.value(v).name + "\"";
    step.primitive = dnnl::reorder(dnnl::reorder::primitive_desc(engine, slots[static_cast<std::size_t>(s)].desc, engine, want));
    step.slot_args = {{DNNL_ARG_FROM, s}, {DNNL_ARG_TO, t}};
    step.reads = {s};
    step.writes = {t};
    steps.push_back(std::move(step));
    converted[key] = t;
    return t;
  }

  // A constant as oneDNN memory in layout `want` (reordered once, here).
  dnnl::memory constant_memory(ValueId v, const md& want, const Shape& logical_shape) {
    Tensor& t = *graph.value(v).constant;
    if (t.dtype() != DType::f32) throw NotOnDnnl{};
    const md source = plain_md(logical_shape, dt::f32);
    if (source.get_size() != t.byte_count()) throw NotOnDnnl{};
    dnnl::memory from(source, engine, t.bytes());
    dnnl::memory to(want, engine);
    dnnl::reorder(from, to).execute(stream, from, to);
    stream.wait();
    return to;
  }
  dnnl::memory constant_memory_with(ValueId v, const md& want, const md& source) {
    Tensor& t = *graph.value(v).constant;
    if (t.dtype() != DType::f32 || source.get_size() != t.byte_count()) throw NotOnDnnl{};
    dnnl::memory from(source, engine, t.bytes());
    dnnl::memory to(want, engine);
    dnnl::reorder(from, to).execute(stream, from, to);
    stream.wait();
    return to;
  }

  // The reorder from `desc` to a plain float32 tensor; none (a memcpy does) when the bytes are already plain.
  dnnl::reorder to_plain_reorder(const md& desc, const Shape& shape) {
    const md plain = plain_md(shape, dt::f32);
    if (desc == plain || same_bytes(desc, plain)) return {};
    return dnnl::reorder(dnnl::reorder::primitive_desc(engine, desc, engine, plain));
  }
  void copy_to_plain(Slot& slot, dnnl::reorder& to_plain, Tensor& t) {
    if (!to_plain) {
      std::memcpy(t.bytes(), slot.memory.get_data_handle(), t.byte_count());
      return;
    }
    dnnl::memory plain(plain_md(t.shape(), dt::f32), engine, t.bytes());
    to_plain.execute(stream, slot.memory, plain);
    stream.wait();
  }

  int output_slot(ValueId v, const md& desc) {
    const int s = add_slot(desc, Place::arena, v);
    slot_of_value[static_cast<std::size_t>(v)] = s;
    return s;
  }

  void add_primitive(const Node& node, dnnl::primitive p, std::vector<std::pair<int, int>> slot_args,
                     std::unordered_map<int, dnnl::memory> constant_args = {}) {
    Step step;
    step.what = node.describe();
    step.primitive = std::move(p);
    step.args = std::move(constant_args);
    for (const auto& [arg, s] : slot_args) {
      const bool is_output = arg == DNNL_ARG_DST;
      (is_output ? step.writes : step.reads).push_back(s);
    }
    step.slot_args = std::move(slot_args);
    steps.push_back(std::move(step));
  }

  // --- op planners: each either appends steps and output slots, or throws NotOnDnnl before appending ---
  void plan_node(const Node& node);
  void plan_conv(const Node& node, bool transposed);
  void plan_pool(const Node& node);
  void plan_eltwise(const Node& node, algorithm alg, float alpha, float beta);
  void plan_binary(const Node& node, algorithm alg, bool commutative);
  void plan_concat(const Node& node);
  bool concat_in_place(const Node& node, int axis);
  void plan_resize(const Node& node);
  void plan_norm(const Node& node, bool instance);
  void plan_softmax(const Node& node);
  void plan_reduce(const Node& node, algorithm alg);
  void plan_matmul(const Node& node);
  void plan_reference(const Node& node);

  void roll_back(std::size_t steps_before, std::size_t slots_before);
  void allocate();
  void bind();
};

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
  dnnl::primitive_attr attr;
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
      copy.primitive = dnnl::reorder(dnnl::reorder::primitive_desc(engine, r.desc, engine, dst_desc));
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
  const dnnl::pooling_v2_forward::primitive_desc pd(d, engine);
  const int dst = output_slot(y, pd.dst_desc());
  add_primitive(node, dnnl::pooling_v2_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
}

void DnnlExecutor::Plan::plan_eltwise(const Node& node, algorithm alg, float alpha, float beta) {
  const ValueId x = node.inputs.at(0), y = node.outputs.at(0);
  if (!is_f32_activation(x) || graph.value(y).dtype != DType::f32) throw NotOnDnnl{};
  const int src = slot_of(x);
  const md src_desc = slots[static_cast<std::size_t>(src)].desc;
  const dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, alg, src_desc, alpha, beta);
  const dnnl::eltwise_forward::primitive_desc pd(d, engine);
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
  const dnnl::binary::primitive_desc pd(d, engine);
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
  const dnnl::concat::primitive_desc pd(axis, srcs, engine);
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
  const dnnl::resampling_forward::primitive_desc pd(d, engine);
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
  const dnnl::batch_normalization_forward::primitive_desc pd(d, engine);
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
  const dnnl::softmax_forward::primitive_desc pd(d, engine);
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
  const dnnl::reduction::primitive_desc pd(d, engine);
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
  const dnnl::matmul::primitive_desc pd(d, engine);
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
      op != "BatchNormalization" && op != "MatMul")
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
  throw NotOnDnnl{};
}

// Greedy first-fit over live ranges: slots in order of first write take the smallest free block that
// fits (a block is free once its last reader's step is over), else a new block at the arena's end.
void DnnlExecutor::Plan::allocate() {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    for (int s : steps[i].writes)
      slots[static_cast<std::size_t>(s)].first_write = std::min(slots[static_cast<std::size_t>(s)].first_write, static_cast<int>(i));
    for (int s : steps[i].reads)
      slots[static_cast<std::size_t>(s)].last_read = std::max(slots[static_cast<std::size_t>(s)].last_read, static_cast<int>(i));
  }
  for (const Output& out : outputs)
    if (out.slot >= 0) slots[static_cast<std::size_t>(out.slot)].last_read = static_cast<int>(steps.size());
  // A view or in-place slot keeps its target alive for as long as it is read.
  for (Slot& s : slots)
    if (s.alias_of >= 0) {
      Slot& target = slots[static_cast<std::size_t>(s.alias_of)];
      const bool written = s.first_write != std::numeric_limits<int>::max();
      target.last_read = std::max(target.last_read, std::max(s.last_read, written ? s.first_write : -1));
    }
  for (std::size_t i = 0; i < slots.size(); ++i) {
    Slot& s = slots[i];
    if (s.place == Place::host && s.last_read >= 0 && s.last_read < static_cast<int>(steps.size()))
      steps[static_cast<std::size_t>(s.last_read)].release.push_back(static_cast<int>(i));
  }

  // Slots that share a buffer (a residual summed in place, a view with other dims, a concat input
  // written straight into the concat's buffer) form a group around the slot that owns the buffer;
  // the group's live range covers every member's.
  std::vector<int> root(slots.size(), -1);
  std::vector<std::size_t> offset_in_root(slots.size(), 0);
  std::vector<int> group_first(slots.size(), std::numeric_limits<int>::max()), group_last(slots.size(), -1);
  std::vector<int> roots;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].place != Place::arena) continue;
    int r = static_cast<int>(i);
    std::size_t offset = 0;
    while (slots[static_cast<std::size_t>(r)].alias_of >= 0) {
      offset += slots[static_cast<std::size_t>(r)].alias_offset;
      r = slots[static_cast<std::size_t>(r)].alias_of;
    }
    root[i] = r;
    offset_in_root[i] = offset;
    const Slot& s = slots[i];
    const auto ri = static_cast<std::size_t>(r);
    if (r == static_cast<int>(i)) roots.push_back(r);
    group_first[ri] = std::min(group_first[ri], s.first_write);
    group_last[ri] = std::max({group_last[ri], s.last_read, s.first_write == std::numeric_limits<int>::max() ? -1 : s.first_write});
  }
  std::stable_sort(roots.begin(), roots.end(), [&](int a, int b) {
    return group_first[static_cast<std::size_t>(a)] < group_first[static_cast<std::size_t>(b)];
  });

  // Greedy over live ranges: groups in order of first write take the smallest free block that fits (a
  // block is free once its last reader's step is over); else the arena's last block grows if it is
  // free, or a new block is added at the end.
  struct Block {
    std::size_t offset, size;
    int busy_until;
  };
  std::vector<Block> blocks;
  std::vector<std::size_t> root_offset(slots.size(), 0);
  for (int r : roots) {
    const auto ri = static_cast<std::size_t>(r);
    const int first = group_first[ri] == std::numeric_limits<int>::max() ? -1 : group_first[ri];
    const int last = std::max(group_last[ri], first);
    const std::size_t need = aligned(slots[ri].desc.get_size());
    int best = -1;
    for (std::size_t b = 0; b < blocks.size(); ++b)
      if (blocks[b].busy_until < first && blocks[b].size >= need &&
          (best < 0 || blocks[b].size < blocks[static_cast<std::size_t>(best)].size))
        best = static_cast<int>(b);
    if (best < 0 && !blocks.empty() && blocks.back().busy_until < first) {
      arena_size += need - blocks.back().size;
      blocks.back().size = need;
      best = static_cast<int>(blocks.size()) - 1;
    }
    if (best < 0) {
      blocks.push_back({arena_size, need, last});
      arena_size += need;
      best = static_cast<int>(blocks.size()) - 1;
    }
    blocks[static_cast<std::size_t>(best)].busy_until = last;
    root_offset[ri] = blocks[static_cast<std::size_t>(best)].offset;
  }
  // Page faults are the first tile's main cost on VMs (~25 us per 4 KiB page measured here, 0.7 s for
  // 100 MiB): the arena asks for transparent huge pages and is touched once here, not in run().
  constexpr std::size_t huge_page = std::size_t{2} << 20;
  const std::size_t bytes = std::max(huge_page, (arena_size + huge_page - 1) / huge_page * huge_page);
  arena = static_cast<std::byte*>(std::aligned_alloc(huge_page, bytes));
  if (!arena)
    throw Error(ErrorCode::out_of_memory, "native executor: cannot allocate " + std::to_string(arena_size) + " bytes of activations");
  madvise(arena, bytes, MADV_HUGEPAGE);
  std::memset(arena, 0, bytes);
  for (std::size_t i = 0; i < slots.size(); ++i)
    if (root[i] >= 0) slots[i].offset = root_offset[static_cast<std::size_t>(root[i])] + offset_in_root[i];
}

// Memory objects for every slot oneDNN touches, and each primitive's argument map.
void DnnlExecutor::Plan::bind() {
  for (Slot& s : slots) {
    if (s.desc.get_size() == 0) continue;  // non-float host values: reference kernels only
    if (s.place == Place::arena) s.memory = dnnl::memory(s.desc, engine, arena + s.offset);
    else s.memory = dnnl::memory(s.desc, engine, DNNL_MEMORY_NONE);  // handle set at run time
  }
  for (Step& step : steps) {
    for (const auto& [arg, s] : step.slot_args) step.args[arg] = slots[static_cast<std::size_t>(s)].memory;
    for (const auto& [arg, s, desc] : step.view_args)
      step.args[arg] = dnnl::memory(desc, engine, arena + slots[static_cast<std::size_t>(s)].offset);
  }
}

std::unique_ptr<DnnlExecutor::Plan> DnnlExecutor::build_plan(graph::Graph graph, const ExecutorOptions& options,
                                                             bool nan_safe) {
  auto plan = std::make_unique<Plan>();
  Plan& p = *plan;
  p.graph = std::move(graph);
  p.options = options;
  p.nan_safe = nan_safe;
  if (options.precision == Precision::bf16) {
    if (!cpu_has_bf16())
      throw Error(ErrorCode::unsupported, "precision bf16 needs a CPU with AVX512_BF16 or AMX; this one has neither");
    p.compute_type = dt::bf16;
  }
  omp_set_num_threads(options.threads > 0 ? options.threads : omp_get_num_procs());
  if (!nan_safe) {
    graph::pointwise_conv_before_upsampling(p.graph);
    graph::fuse_conv_activation(p.graph);
  }
  Graph& g = p.graph;
  p.slot_of_value.assign(g.values.size(), -1);
  p.last_reader.assign(g.values.size(), -1);
  for (std::size_t n = 0; n < g.nodes.size(); ++n)
    for (ValueId v : g.nodes[n].inputs)
      if (v != no_value) p.last_reader[static_cast<std::size_t>(v)] = static_cast<int>(n);
  for (ValueId v : g.outputs) p.last_reader[static_cast<std::size_t>(v)] = static_cast<int>(g.nodes.size());

  for (std::size_t k = 0; k < g.inputs.size(); ++k) {
    const graph::Value& value = g.value(g.inputs[k]);
    if (value.dtype != DType::f32)
      throw Error(ErrorCode::unsupported, "native executor: input \"" + value.name + "\" is " + std::string(to_string(value.dtype)) +
                                              "; only float32 inputs are supported");
    const int s = p.add_slot(plain_md(value.shape, dt::f32), Plan::Place::input, g.inputs[k]);
    p.slots[static_cast<std::size_t>(s)].input_index = static_cast<int>(k);
    p.slot_of_value[static_cast<std::size_t>(g.inputs[k])] = s;
  }
  for (std::size_t n = 0; n < g.nodes.size(); ++n) {
    p.node_index = static_cast<int>(n);
    const Node& node = g.nodes[n];
    const std::size_t steps_before = p.steps.size(), slots_before = p.slots.size();
    try {
      p.plan_node(node);
    } catch (const NotOnDnnl&) {
      p.roll_back(steps_before, slots_before);
      p.plan_reference(node);
    } catch (const dnnl::error&) {
      // oneDNN has no implementation for this combination (an attribute, a layout): reference kernel.
      p.roll_back(steps_before, slots_before);
      p.plan_reference(node);
    }
  }
  for (ValueId v : g.outputs) {
    Plan::Output out;
    out.value = v;
    if (!g.is_constant(v)) {
      out.slot = p.slot_of(v);
      const Plan::Slot& s = p.slots[static_cast<std::size_t>(out.slot)];
      if (s.place == Plan::Place::arena) out.to_plain = p.to_plain_reorder(s.desc, g.value(v).shape);
    }
    p.outputs.push_back(std::move(out));
  }
  p.allocate();
  p.bind();
  return plan;
}

// Undoes what a failed op planner added (it throws before its node is fully planned).
void DnnlExecutor::Plan::roll_back(std::size_t steps_before, std::size_t slots_before) {
  steps.resize(steps_before);
  slots.resize(slots_before);
  const auto gone = [&](int slot) { return slot >= static_cast<int>(slots_before); };
  for (auto it = converted.begin(); it != converted.end();) it = gone(it->second) ? converted.erase(it) : std::next(it);
  for (auto& slot : slots) slot.views.erase(std::remove_if(slot.views.begin(), slot.views.end(), gone), slot.views.end());
}

DnnlExecutor::DnnlExecutor(graph::Graph specialized, const ExecutorOptions& options)
    : options_(options), unfused_(std::make_unique<graph::Graph>(specialized)),
      plan_(build_plan(std::move(specialized), options, false)) {}

DnnlExecutor::~DnnlExecutor() = default;

std::vector<std::string> DnnlExecutor::reference_nodes() const {
  std::vector<std::string> names;
  for (const Plan::Step& step : plan_->steps)
    if (step.node) names.push_back(step.what);
  return names;
}

std::size_t DnnlExecutor::activation_bytes() const { return plan_->arena_size; }

namespace {

bool all_finite(const std::vector<Tensor>& inputs) {
  for (const Tensor& t : inputs) {
    if (t.dtype() != DType::f32) continue;
    const float* d = t.data<float>();
    const std::int64_t n = t.element_count();
    bool finite = true;
    for (std::int64_t i = 0; i < n; ++i) finite &= std::isfinite(d[i]);
    if (!finite) return false;
  }
  return true;
}

}  // namespace

std::vector<Tensor> DnnlExecutor::run(const std::vector<Tensor>& inputs) {
  // oneDNN's ReLU, max pooling and clip turn NaN into numbers (max(NaN, 0) is 0 in AVX-512): a tile
  // holding NaN or Inf runs a second plan, built on first need, where every op that compares values
  // runs its reference kernel and nothing is fused, so NaN reaches the outputs as it does in PyTorch.
  if (!all_finite(inputs)) {
    if (!nan_safe_plan_) nan_safe_plan_ = build_plan(*unfused_, options_, true);
    return run_plan(*nan_safe_plan_, inputs);
  }
  return run_plan(*plan_, inputs);
}

std::vector<Tensor> DnnlExecutor::run_plan(Plan& p, const std::vector<Tensor>& inputs) {
  Graph& g = p.graph;
  if (inputs.size() != g.inputs.size())
    throw Error(ErrorCode::invalid_argument, "native executor: " + std::to_string(inputs.size()) + " inputs given, the graph takes " +
                                                 std::to_string(g.inputs.size()));
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const graph::Value& value = g.value(g.inputs[k]);
    if (inputs[k].dtype() != DType::f32 || inputs[k].shape() != value.shape)
      throw Error(ErrorCode::invalid_argument, "native executor: input \"" + value.name + "\" is " + std::string(to_string(inputs[k].dtype())) +
                                                   " " + shape_to_string(inputs[k].shape()) + ", expected float32 " +
                                                   shape_to_string(value.shape));
  }
  omp_set_num_threads(p.options.threads > 0 ? p.options.threads : omp_get_num_procs());
  for (auto& s : p.slots)
    if (s.place == Plan::Place::input && s.memory)
      // oneDNN only reads inputs; its API has no const handle. Views of an input have its input_index.
      s.memory.set_data_handle(const_cast<std::byte*>(inputs[static_cast<std::size_t>(s.input_index)].bytes()));

  // A Tensor copy of a slot for a reference kernel or an output.
  auto tensor_of = [&](ValueId v, int slot, dnnl::reorder& to_plain, std::vector<Tensor>& scratch) -> const Tensor* {
    if (v == no_value) return nullptr;
    if (g.is_constant(v)) return &*g.value(v).constant;
    Plan::Slot& s = p.slots[static_cast<std::size_t>(slot)];
    if (s.place == Plan::Place::input) return &inputs[static_cast<std::size_t>(s.input_index)];
    if (s.place == Plan::Place::host) return &s.tensor;
    Tensor t(DType::f32, g.value(v).shape);
    p.copy_to_plain(s, to_plain, t);
    scratch.push_back(std::move(t));
    return &scratch.back();
  };

  for (Plan::Step& step : p.steps) {
    if (!step.node) {
      step.primitive.execute(p.stream, step.args);
    } else {
      p.stream.wait();
      std::vector<Tensor> scratch;
      scratch.reserve(step.reference_inputs.size());
      std::vector<const Tensor*> args;
      for (auto& in : step.reference_inputs) args.push_back(tensor_of(in.value, in.slot, in.to_plain, scratch));
      std::vector<Tensor> results = graph::find_graph_op(step.node->op)->reference(*step.node, args);
      for (std::size_t k = 0; k < step.reference_outputs.size() && k < results.size(); ++k) {
        Plan::Slot& s = p.slots[static_cast<std::size_t>(step.reference_outputs[k])];
        s.tensor = std::move(results[k]);
        if (s.memory) s.memory.set_data_handle(s.tensor.bytes());
        for (int view : s.views) p.slots[static_cast<std::size_t>(view)].memory.set_data_handle(s.tensor.bytes());
      }
    }
    for (int s : step.release) p.slots[static_cast<std::size_t>(s)].tensor = Tensor();
  }
  p.stream.wait();

  std::vector<Tensor> outputs;
  std::vector<Tensor> scratch;
  for (Plan::Output& out : p.outputs) {
    if (out.slot >= 0 && p.slots[static_cast<std::size_t>(out.slot)].place == Plan::Place::arena) {
      Tensor t(DType::f32, g.value(out.value).shape);
      p.copy_to_plain(p.slots[static_cast<std::size_t>(out.slot)], out.to_plain, t);
      outputs.push_back(std::move(t));
    } else {
      outputs.push_back(*tensor_of(out.value, out.slot, out.to_plain, scratch));
    }
  }
  // Host tensors that are graph outputs were kept for the copy above.
  for (auto& s : p.slots)
    if (s.place == Plan::Place::host) s.tensor = Tensor();
  return outputs;
}

}  // namespace deepimage::engine::native
