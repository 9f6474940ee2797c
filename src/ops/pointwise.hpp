// Preprocessing for an image read in parts: whole-image statistics gathered in one pass over the file,
// then the ops rewritten as pointwise ops that can be applied to each tile alone.
//
//   ChannelHistograms stats(DType::u16, 2);
//   for (each band of rows, in model axes) stats.add(band);
//   std::optional<std::vector<OpSpec>> per_tile = pointwise_preprocessing(spec.inputs[0].preprocessing, "bcyx", stats);
//   Tensor ready = apply_ops(tile, *per_tile, {});     // == the tile of apply_ops(whole image, ...)
//
// Integer images of up to 16 bits keep one histogram per channel, which gives their mean, standard
// deviation and every percentile exactly. An op that needs statistics only sees affine transforms of
// the raw values before it (ensure_dtype to float, scale_linear, fixed_zero_mean_unit_variance and
// earlier statistics ops), and for an affine map with positive gain, percentiles, mean and standard
// deviation map through it exactly; so statistics ops become scale_linear with per-channel gain and
// offset. Ops after the last statistics op may be anything pointwise (clip, sigmoid, ...).
// Not expressible (nullopt): statistics over fewer than all spatial axes, statistics after a
// non-affine op, reference tensors, a joint statistic over channels mapped differently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deepimage/model_spec.hpp"
#include "deepimage/tensor.hpp"

namespace deepimage::ops {

class ChannelHistograms {
 public:
  // For `dtype` in u8, i8, u16, i16 (others: supports() is false).
  ChannelHistograms(DType dtype, std::int64_t channels);
  static bool supports(DType dtype);
  // `values` in the model's input axes (with a "c" axis of `channels`, or none for one channel).
  void add(const Tensor& values);
  std::int64_t channels() const { return static_cast<std::int64_t>(counts_.size()); }

  struct Summary {
    double mean = 0, std = 0;
    std::vector<double> percentiles;
  };
  // Over the channels listed (merged), of the raw values; percents in 0..100, numpy 'linear'.
  Summary summarize(const std::vector<std::int64_t>& channels, const std::vector<double>& percents) const;

 private:
  DType dtype_;
  std::int64_t lowest_ = 0;  // the value of bin 0
  std::vector<std::vector<std::uint64_t>> counts_;
};

// The per-tile form of `ops` for an input with axes `axes` (model axes, with or without "c"), or
// nullopt when it does not exist. With `stats` null only says whether it exists.
std::optional<std::vector<OpSpec>> pointwise_preprocessing(const std::vector<OpSpec>& ops, const std::string& axes,
                                                           std::int64_t channels, const ChannelHistograms* stats);

// True when every op works pixel by pixel (no statistics, no reference tensors): such ops can run on
// parts of an output.
bool all_pointwise(const std::vector<OpSpec>& ops);

}  // namespace deepimage::ops
