// DnnlExecutor::Plan — what DnnlExecutor's constructor decides once per graph (internal to
// src/engine/native; dnnl_executor.cpp says how it is built and run, dnnl_plan_ops.cpp plans each op):
//
//   graph value ──> Slot (a buffer: its oneDNN memory descriptor, where it lives) ──> Steps that read/write slots
#pragma once

#include <cstddef>
#include <cstring>
#include <limits>
#include <map>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/native/dnnl_executor.hpp"

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

inline md plain_md(const Shape& shape, dt type);

inline bool is_plain(const md& d) {
  const dims ds = d.dims();
  return d == plain_md(Shape(ds.begin(), ds.end()), d.data_type());
}

// Two descriptors of the same dims whose element addresses agree: dense, unblocked, and equal strides
// on every axis longer than 1 (nhwc and nchw of a single channel are the same bytes).
inline bool same_bytes(const md& a, const md& b) {
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

inline md plain_md(const Shape& shape, dt type) {
  dims d(shape.begin(), shape.end());
  if (d.empty()) d = {1};
  dims strides(d.size(), 1);
  for (std::size_t i = d.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * d[i];
  return md(d, type, strides);
}

inline dims to_dims(const std::vector<std::int64_t>& v) { return dims(v.begin(), v.end()); }

// A shape padded with leading 1s to `rank` (numpy broadcasting aligns trailing axes).
inline Shape padded(const Shape& s, std::size_t rank) {
  Shape r(rank - s.size(), 1);
  r.insert(r.end(), s.begin(), s.end());
  return r;
}

constexpr std::size_t arena_alignment = 64;
inline std::size_t aligned(std::size_t n) { return (n + arena_alignment - 1) / arena_alignment * arena_alignment; }

// `d`'s format (plain, channels-last or channel-blocked) for dims `shape`; plain when it is another.
inline md same_format(const md& d, const Shape& shape) {
  const auto rank = static_cast<int>(shape.size());
  std::vector<tag> candidates;
  if (rank == 3) candidates = {tag::abc, tag::acb, tag::aBc16b, tag::aBc8b};
  if (rank == 4) candidates = {tag::abcd, tag::acdb, tag::aBcd16b, tag::aBcd8b};
  if (rank == 5) candidates = {tag::abcde, tag::acdeb, tag::aBcde16b, tag::aBcde8b};
  const dnnl::memory::dims own = d.dims();
  for (tag t : candidates)
    if (d == md(own, d.data_type(), t)) return md(to_dims(shape), d.data_type(), t);
  return plain_md(shape, d.data_type());
}

// Thrown by an op planner when oneDNN cannot compute this node exactly: the node runs its reference kernel.
struct NotOnDnnl {};

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
  std::size_t scratchpad_offset = 0;  // in the arena: one scratchpad for all steps (they run one by one)
  int node_index = 0;
  bool nan_safe = false;   // ops that compare values (max, relu, clip) run their reference kernel

  ~Plan() { std::free(arena); }

  // Every primitive a plan runs is made with these attributes. oneDNN's own scratchpad (library mode,
  // as Debian builds it) belongs to the thread that created the primitive, and NativeEngine::prepare
  // builds plans on another thread than the one that runs them: a grouped (gemm) convolution wrote its
  // im2col buffer into that thread's freed scratchpad. The plan's arena holds the scratchpad instead.
  static dnnl::primitive_attr plan_attr() {
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return attr;
  }
  static md scratchpad_desc(const dnnl::primitive& p) {
    const dnnl_memory_desc_t* desc = dnnl_primitive_desc_query_md(p.get_primitive_desc(), dnnl_query_scratchpad_md, 0);
    return desc ? md(*desc) : md();
  }
  void add_scratchpad(const dnnl::primitive& p, std::unordered_map<int, dnnl::memory>& args) const {
    const md desc = scratchpad_desc(p);
    if (desc.get_size() > 0) args[DNNL_ARG_SCRATCHPAD] = dnnl::memory(desc, engine, arena + scratchpad_offset);
  }

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
    step.primitive = dnnl::reorder(dnnl::reorder::primitive_desc(engine, slots[static_cast<std::size_t>(s)].desc, engine, want, plan_attr()));
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
    return dnnl::reorder(dnnl::reorder::primitive_desc(engine, desc, engine, plain, plan_attr()));
  }
  void copy_to_plain(Slot& slot, dnnl::reorder& to_plain, Tensor& t) {
    if (!to_plain) {
      std::memcpy(t.bytes(), slot.memory.get_data_handle(), t.byte_count());
      return;
    }
    dnnl::memory plain(plain_md(t.shape(), dt::f32), engine, t.bytes());
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_FROM, slot.memory}, {DNNL_ARG_TO, plain}};
    add_scratchpad(to_plain, args);
    to_plain.execute(stream, args);
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
  void plan_slice(const Node& node);
  void plan_reference(const Node& node);

  void roll_back(std::size_t steps_before, std::size_t slots_before);
  void allocate();
  void bind();
};


}  // namespace deepimage::engine::native
