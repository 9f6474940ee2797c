// DnnlExecutor (dnnl_executor.hpp). Construction plans the whole graph once:
//
//   graph value ──> Slot (a buffer: its oneDNN memory descriptor, where it lives) ──> Steps that read/write slots
//
// * Layout: convolutions choose their layout (format_tag::any: nhwc for oneDNN 2.6 on AVX-512, nChw16c
//   on older ISAs); every op after them takes its input's layout as it is (pooling, eltwise, binary,
//   concat, resampling, norms), so activations keep that layout from the first convolution to the
//   output. A reorder step is inserted only where an op needs another layout (graph outputs, reference
//   kernels, a convolution whose input came plain); layouts that differ only in size-1 axes are views.
// * Passes first: 1x1 convs move before up-sampling, a conv of a channel concat becomes a sum of convs
//   of the parts (no concatenated copy), conv + BN + residual Add + activation fuse.
// * Memory: slots in the arena get offsets from a greedy allocator over their live ranges (first write,
//   last read), so buffers are reused; a convolution with a residual Sum writes into the residual's
//   buffer when that is the residual's last read; a channel concat of whole blocks is written in place.
// * Ops without a oneDNN primitive (or attribute combinations oneDNN computes differently) run the
//   reference kernel (graph/ops.hpp) on plain tensors held by "host" slots.
#include "engine/native/dnnl_executor.hpp"

#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "core/cpu_features.hpp"
#include "deepimage/error.hpp"
#include "engine/graph/ops.hpp"
#include "engine/graph/passes.hpp"
#include "engine/native/dnnl_plan.hpp"

namespace deepimage::engine::native {

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

  // Offsets, largest buffer first: each takes the lowest offset where it overlaps no already placed
  // buffer whose live range meets its own (greedy by size, as TensorFlow Lite's arena planner does;
  // close to the peak of live bytes on U-Nets, where first-come first-served wasted a third).
  struct Placed {
    std::size_t offset, size;
    int first, last;
  };
  std::vector<Placed> placed;
  std::vector<std::size_t> root_offset(slots.size(), 0);
  std::stable_sort(roots.begin(), roots.end(), [&](int a, int b) {
    return slots[static_cast<std::size_t>(a)].desc.get_size() > slots[static_cast<std::size_t>(b)].desc.get_size();
  });
  for (int r : roots) {
    const auto ri = static_cast<std::size_t>(r);
    const int first = group_first[ri] == std::numeric_limits<int>::max() ? -1 : group_first[ri];
    const int last = std::max(group_last[ri], first);
    const std::size_t need = aligned(slots[ri].desc.get_size());
    std::vector<const Placed*> conflicts;
    for (const Placed& q : placed)
      if (q.first <= last && first <= q.last) conflicts.push_back(&q);
    std::sort(conflicts.begin(), conflicts.end(), [](const Placed* a, const Placed* b) { return a->offset < b->offset; });
    std::size_t offset = 0;
    for (const Placed* q : conflicts) {
      if (q->offset >= offset + need) break;  // the gap before q fits
      offset = std::max(offset, q->offset + q->size);
    }
    placed.push_back({offset, need, first, last});
    root_offset[ri] = offset;
    arena_size = std::max(arena_size, offset + need);
  }
  std::size_t scratchpad_size = 0;
  auto need_scratchpad = [&](const dnnl::primitive& p) {
    if (p) scratchpad_size = std::max(scratchpad_size, scratchpad_desc(p).get_size());
  };
  for (const Step& step : steps) {
    need_scratchpad(step.primitive);
    for (const ReferenceInput& in : step.reference_inputs) need_scratchpad(in.to_plain);
  }
  for (const Output& out : outputs) need_scratchpad(out.to_plain);
  if (scratchpad_size > 0) {
    scratchpad_offset = aligned(arena_size);
    arena_size = scratchpad_offset + scratchpad_size;
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
    if (step.primitive) add_scratchpad(step.primitive, step.args);
  }
}


namespace {

// Whether oneDNN's convolutions keep activations channels-last on this CPU (nhwc with oneDNN 2.6 on
// AVX-512): a channel concat then has to be copied, and split_conv_over_concat() avoids the copy. With
// blocked layouts (nChw16c/8c, older ISAs) the concat's inputs are written in place instead, and the
// split would only add passes over the output.
bool convolutions_use_channels_last(const dnnl::engine& engine, dt type) {
  const dims activation = {1, 32, 64, 64};
  const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, algorithm::convolution_direct,
                                          md(activation, type, tag::any), md({32, 32, 3, 3}, type, tag::any),
                                          md(activation, type, tag::any), {1, 1}, {1, 1}, {1, 1});
  return dnnl::convolution_forward::primitive_desc(d, engine).src_desc() == md(activation, type, tag::acdb);
}

}  // namespace

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
    if (convolutions_use_channels_last(p.engine, p.compute_type)) graph::split_conv_over_concat(p.graph);
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