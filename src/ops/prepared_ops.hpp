// PreparedOps — a list of ops made ready for a tensor seen in parts: the statistics the ops need are
// gathered first, in passes over regions of the tensor (start / scan / stop, as libvips' statistic
// class works), then every op applies to each region alone, pointwise. Whole-image statistics
// without the whole image in memory, and the same code for a whole tensor (one region).
//
//   PreparedOps prep(spec.inputs[0].preprocessing, "bcyx", {1, 2, 9000, 9000});
//   while (prep.start_pass())                    // false once every statistic is known
//     for (each band of rows) prep.scan(band);   // raw values (any dtype), the tensor's axes
//   Tensor ready = prep.apply(tile);             // == that tile of apply_ops(whole tensor, ops)
//
// Regions may cut any axis the statistics reduce over (y, x, z), and must hold the whole extent of
// every axis they keep separate (kept_axes(): the channels of per-channel statistics, the batch);
// the regions of one pass cover the tensor exactly once, in any order. scan() runs the ops before a
// statistics op on the region first, so a statistic sees the values its op sees.
//
// Statistics are those of the finite values (NaN and +-Inf left out), computed in double:
//   mean, std    two passes (the mean, then the squared deviations from it), population std;
//   percentiles  exact, numpy's default 'linear' method between the two order statistics around the
//                rank; each order statistic is found in two passes of histograms over the float32
//                value's order-preserving 32-bit key: the high 16 bits, then the low 16 bits of the
//                values in the bin holding the rank. No approximation: the error bound is zero.
// Ops naming a `reference_tensor` take its statistics from `references` (whole tensors), computed
// at construction. With `references.given` (statistics measured beforehand over the whole image,
// sample_statistics.hpp), per-sample ops take theirs from it and need no pass: any region of the
// tensor can then be prepared alone.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "deepimage/model_spec.hpp"
#include "deepimage/tensor.hpp"
#include "ops/op.hpp"
#include "ops/sample_statistics.hpp"

namespace deepimage::ops {

class PreparedOps {
 public:
  // `axes` and `shape`: of the whole tensor the ops will see. Throws bad_model for invalid kwargs of
  // the statistics ops here (of the others when they first run, as in apply_ops), and for a
  // `reference_tensor` missing from `references` or not matching the tensor.
  PreparedOps(std::vector<OpSpec> ops, std::string axes, Shape shape, const OpContext& references = {});
  ~PreparedOps();
  PreparedOps(PreparedOps&&) noexcept;
  PreparedOps& operator=(PreparedOps&&) noexcept;

  // Begins the next pass over the tensor; false when every statistic is known (at once for ops that
  // need none). Call scan() on every region between two calls.
  bool start_pass();
  void scan(const Tensor& region);
  // The ops on one region (any dtype in; float32 out unless an op makes another type). Only after
  // start_pass() returned false.
  Tensor apply(const Tensor& region) const;

  // Axes regions must hold whole: those some op keeps statistics separate along.
  std::string kept_axes() const;
  // True when no op needs statistics: apply() can be used at once.
  bool pointwise() const;
  // Passes over the tensor scan needs (0 when pointwise, or when every statistic was given).
  int pass_count() const;

  // The per-sample statistics the ops gathered (or were given), one per op that needs them, for a
  // statistics file (sample_statistics.hpp): `sample` is the caller's index of the sample. Only after
  // start_pass() returned false.
  std::vector<SampleMeasure> measures(const std::string& tensor, std::int64_t sample) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// True when no op in `ops` needs statistics, of the values it sees or of a reference tensor, for a
// tensor with `axes`: the list applies to any part of a tensor as it comes (e.g. an output's rows).
bool is_pointwise(const std::vector<OpSpec>& ops, const std::string& axes);

}  // namespace deepimage::ops
