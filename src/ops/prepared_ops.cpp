#include "ops/prepared_ops.hpp"

#include <optional>

#include "deepimage/error.hpp"
#include "ops/dataset_statistics.hpp"
#include "ops/reduction.hpp"
#include "ops/statistics.hpp"

namespace deepimage::ops {
namespace {

struct Step {
  const OpDeclaration* op = nullptr;
  OpSpec spec{};
  std::optional<StatisticsNeed> need{};
  OpStatistics statistics{};
  bool resolved = true;  // false until the statistics of the values it sees are gathered
};

bool gathers(const Step& step) { return step.need && step.need->own.any(); }

}  // namespace

struct PreparedOps::State {
  std::string axes;
  Shape shape;
  std::vector<Step> steps;
  int passes = 0;
  // The pass running: the step whose statistics it gathers, its accumulator, and how many of the
  // accumulator's passes have ended.
  std::size_t gathering = 0;
  std::optional<StatisticsAccumulator> accumulator;
  int passes_done = 0;
  std::int64_t scanned = 0;  // elements scanned in the pass running

  // Steps [0, end) on `region`.
  Tensor run(const Tensor& region, std::size_t end) const {
    if (end == 0) return region;
    Tensor t = steps[0].op->apply(region, steps[0].spec.kwargs, steps[0].statistics);
    for (std::size_t i = 1; i < end; ++i) t = steps[i].op->apply(t, steps[i].spec.kwargs, steps[i].statistics);
    return t;
  }
};

PreparedOps::PreparedOps(std::vector<OpSpec> ops, std::string axes, Shape shape, const OpContext& references)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  if (!ops.empty() && axes.size() != shape.size())
    throw Error(ErrorCode::internal, find_op(ops[0].id).id + ": the tensor " + shape_to_string(shape) +
                                         " has no axis names, which the op needs");
  s.axes = std::move(axes);
  s.shape = std::move(shape);
  for (auto& spec : ops) {
    Step step{.op = &find_op(spec.id), .spec = std::move(spec)};
    if (step.op->statistics) step.need = step.op->statistics(step.spec.kwargs, s.axes);
    const auto in_memory = [&](const std::string& id) {
      const auto it = references.tensors.find(id);
      return it != references.tensors.end() && it->second && !it->second->empty();
    };
    if (step.need && !step.need->reference_tensor.empty() && !in_memory(step.need->reference_tensor) &&
        references.reference_statistics) {
      // A tensor read elsewhere in parts: the caller gathers its statistics.
      const Groups groups = groups_reducing(s.axes, s.shape, step.need->reduced_axes);
      step.statistics.reference =
          references.reference_statistics(step.need->reference_tensor, groups.kept_axes, groups.count, step.need->reference);
    } else if (step.need && !step.need->reference_tensor.empty()) {
      // A whole tensor already in memory: its statistics now, in one region.
      const Kwargs kwargs(step.op->id, step.spec.kwargs);
      const std::string& id = step.need->reference_tensor;
      const Tensor reference = referenced_tensor(kwargs, references, id).converted(DType::f32);
      const Groups groups = groups_reducing(s.axes, s.shape, step.need->reduced_axes);
      step.statistics.reference =
          statistics_of(reference, matching_groups(kwargs, reference, id, groups), step.need->reference);
    }
    if (gathers(step) && step.spec.kwargs.is_object() && step.spec.kwargs.value("mode", "") == "per_dataset") {
      // Statistics of the whole dataset, measured beforehand over every sample (or given).
      const Groups groups = groups_reducing(s.axes, s.shape, step.need->reduced_axes);
      auto known = references.dataset ? references.dataset->find(references.tensor_id, step.need->reduced_axes, step.need->own,
                                                                 groups.count)
                                      : std::nullopt;
      if (!known)
        throw Error(ErrorCode::invalid_argument, step.op->id + " of tensor \"" + references.tensor_id + "\": mode \"per_dataset\" "
                                                 "needs statistics of the whole dataset: run the model on all its images at once, "
                                                 "or give them with --stats FILE");
      step.statistics.own = std::move(*known);
    } else if (gathers(step) && references.given) {
      // Measured beforehand over the whole image; this tensor may be only part of it.
      const Groups groups = groups_reducing(s.axes, s.shape, step.need->reduced_axes);
      step.statistics.own = references.given->find(references.tensor_id, references.sample, s.steps.size(), step.op->id,
                                                   step.need->reduced_axes, groups.kept_axes, groups.kept_shape, step.need->own);
    } else if (gathers(step)) {
      step.resolved = false;
      const Groups groups = groups_reducing(s.axes, s.shape, step.need->reduced_axes);
      s.passes += StatisticsAccumulator::pass_count(groups.count, step.need->own);
    }
    s.steps.push_back(std::move(step));
  }
}

PreparedOps::~PreparedOps() = default;
PreparedOps::PreparedOps(PreparedOps&&) noexcept = default;
PreparedOps& PreparedOps::operator=(PreparedOps&&) noexcept = default;

bool PreparedOps::start_pass() {
  State& s = *state_;
  if (s.accumulator) {  // end the pass running
    const std::int64_t total = element_count(s.shape);
    if (s.scanned != total)
      throw Error(ErrorCode::internal, "the regions of one pass covered " + std::to_string(s.scanned) + " elements of " +
                                           std::to_string(total) + " (they must cover the tensor exactly once)");
    s.accumulator->stop_pass();
    if (++s.passes_done == s.accumulator->pass_count()) {
      s.steps[s.gathering].statistics.own = s.accumulator->result();
      s.steps[s.gathering].resolved = true;
      s.accumulator.reset();
    }
  }
  if (!s.accumulator) {  // statistics ops resolve in order: the first one still unknown is next
    s.gathering = 0;
    while (s.gathering < s.steps.size() && s.steps[s.gathering].resolved) ++s.gathering;
    if (s.gathering == s.steps.size()) return false;
    const StatisticsNeed& need = *s.steps[s.gathering].need;
    s.accumulator.emplace(groups_reducing(s.axes, s.shape, need.reduced_axes).count, need.own);
    s.passes_done = 0;
  }
  s.accumulator->start_pass();
  s.scanned = 0;
  return true;
}

void PreparedOps::scan(const Tensor& region) {
  State& s = *state_;
  if (!s.accumulator) throw Error(ErrorCode::internal, "PreparedOps::scan() outside a pass (call start_pass() first)");
  if (region.axes() != s.axes)
    throw Error(ErrorCode::internal, "a region with axes \"" + region.axes() + "\", expected \"" + s.axes + "\"");
  const StatisticsNeed& need = *s.steps[s.gathering].need;
  for (std::size_t d = 0; d < s.axes.size(); ++d) {
    const bool kept = need.reduced_axes.find(s.axes[d]) == std::string::npos;
    if (kept ? region.shape()[d] != s.shape[d] : region.shape()[d] > s.shape[d])
      throw Error(ErrorCode::internal, "region " + shape_to_string(region.shape()) + " of a tensor " +
                                           shape_to_string(s.shape) + " (axes \"" + s.axes + "\") cuts axis \"" +
                                           s.axes[d] + "\", along which statistics are kept separate");
  }
  // The statistic is of the values its op sees: the ops before it run on the region first.
  const bool as_is = s.gathering == 0 && region.dtype() == DType::f32;
  Tensor seen;
  if (!as_is) seen = s.run(region, s.gathering);
  if (!as_is && seen.dtype() != DType::f32) seen = seen.converted(DType::f32);
  const Tensor& values = as_is ? region : seen;
  s.accumulator->scan(values, groups_reducing(values, need.reduced_axes));
  s.scanned += region.element_count();
}

Tensor PreparedOps::apply(const Tensor& region) const {
  const State& s = *state_;
  for (const Step& step : s.steps)
    if (!step.resolved)
      throw Error(ErrorCode::internal, step.op->id + ": PreparedOps::apply() before its statistics are gathered "
                                                     "(start_pass() has not returned false yet)");
  return s.run(region, s.steps.size());
}

std::string PreparedOps::kept_axes() const {
  const State& s = *state_;
  std::string kept;
  for (char a : s.axes)
    for (const Step& step : s.steps)
      if (gathers(step) && step.need->reduced_axes.find(a) == std::string::npos) {
        kept += a;
        break;
      }
  return kept;
}

std::vector<SampleMeasure> PreparedOps::measures(const std::string& tensor, std::int64_t sample) const {
  const State& s = *state_;
  std::vector<SampleMeasure> out;
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const Step& step = s.steps[i];
    if (!gathers(step) || has_per_dataset({step.spec})) continue;
    if (!step.resolved)
      throw Error(ErrorCode::internal, step.op->id + ": PreparedOps::measures() before its statistics are gathered");
    const Groups groups = groups_reducing(s.axes, s.shape, step.need->reduced_axes);
    out.push_back({.sample = sample, .op = i, .op_id = step.op->id,
                   .values = {.tensor = tensor, .reduced_axes = step.need->reduced_axes, .kept_axes = groups.kept_axes,
                              .kept_shape = groups.kept_shape, .has_mean_std = step.need->own.mean_std,
                              .percents = step.need->own.percents, .groups = step.statistics.own}});
  }
  return out;
}

bool PreparedOps::pointwise() const { return state_->passes == 0; }

int PreparedOps::pass_count() const { return state_->passes; }

bool is_pointwise(const std::vector<OpSpec>& ops, const std::string& axes) {
  for (const OpSpec& spec : ops) {
    const OpDeclaration& op = find_op(spec.id);
    if (op.statistics && op.statistics(spec.kwargs, axes)) return false;
  }
  return true;
}

}  // namespace deepimage::ops
