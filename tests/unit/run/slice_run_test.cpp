// run_slice, the one loop of every run: a sample read in bands of tile rows gives what the sample read
// whole gives, and both match independent references (the engine on the whole image; a naive filter).
#include "run/slice_run.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engine/engine.hpp"
#include "io/image.hpp"
#include "model/model.hpp"
#include "model/spec_json.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"
#include "tiling/padding.hpp"

namespace deepimage::run {
namespace {

const std::filesystem::path kSource = DEEPIMAGE_SOURCE_DIR;
using testing::kTiledVsWholeMaxAbs;
using testing::max_abs_diff;

// A sample in memory served the way a file is: any band along any axis, counting the rows read.
struct MemorySample {
  Tensor pixels;
  std::int64_t rows_read = 0, rows_inspected = 0;

  SliceInput input() {
    return {.shape = pixels.shape(),
            .read = [this](char axis, std::int64_t begin, std::int64_t end) {
              if (axis == 0) return pixels;
              rows_read += end - begin;
              return tiling::read_padded(pixels, std::string(1, axis), Box{{begin}, {end}}, tiling::PadMode::zeros);
            },
            .inspect = [this](const Tensor& part) { rows_inspected += part.size('y'); }};
  }
};

// An emit callback that puts the bands (or whole outputs) of each output together in `outputs`.
std::function<void(const OutputBand&)> stitcher(std::vector<Tensor>& outputs) {
  return [&outputs](const OutputBand& band) {
    Tensor& out = outputs.at(band.output);
    if (band.axis == 0) {
      out = band.values;
      return;
    }
    if (out.empty()) {
      Shape shape = band.values.shape();
      shape[static_cast<std::size_t>(band.values.axis_index(band.axis))] = band.full;
      out = Tensor(band.values.dtype(), shape, band.values.axes());
    }
    const std::int64_t n = band.values.size(band.axis);
    tiling::write_box(out, std::string(1, band.axis), Box{{band.begin}, {band.begin + n}}, band.values, Box{{0}, {n}});
  };
}

std::vector<Tensor> run(Predictor& predictor, MemorySample& sample, std::map<char, std::int64_t> tile, bool in_bands,
                        tiling::PadMode pad = tiling::PadMode::reflect) {
  const TilingOptions tiling{.tile = std::move(tile), .halo = {}, .pad = pad, .whole = false, .after_tile = {}};
  SliceRunOptions options{.plan = {}, .axes = predictor.axis_tilings({sample.pixels.shape()}, tiling), .in_bands = in_bands,
                          .pad = pad, .after_tile = {}};
  options.plan = tiling::plan_tiles(options.axes);
  std::vector<Tensor> outputs(predictor.spec().outputs.size());
  run_slice(predictor, {sample.input()}, options, stitcher(outputs));
  return outputs;
}

TEST(SliceRun, AU8ImageInBandsEqualsItReadWholeAndTheEngineOnTheWholeImage) {
  const model::Model model = model::open_model(kSource / "examples/nuclei_unet2d");
  Predictor predictor(model, engine::choose_weights(model, "torchscript"), {.threads = 2});
  MemorySample sample{io::read_image(kSource / "examples/images/nuclei_bbbc038_0bf4b1.tif").pixels};
  ASSERT_EQ(sample.pixels.dtype(), DType::u8);
  sample.pixels.reshape({1, 1, sample.pixels.shape()[0], sample.pixels.shape()[1]}, "bcyx");
  const std::int64_t height = sample.pixels.size('y');

  const std::vector<Tensor> whole = run(predictor, sample, {{'y', 128}, {'x', 128}}, false);
  EXPECT_EQ(sample.rows_read, 0);
  EXPECT_EQ(sample.rows_inspected, height);
  sample.rows_inspected = 0;
  const std::vector<Tensor> bands = run(predictor, sample, {{'y', 128}, {'x', 128}}, true);
  // Statistics passes read every row (twice for percentiles), the tile rows each their rows + halos.
  EXPECT_GE(sample.rows_read, 3 * height);
  EXPECT_EQ(sample.rows_inspected, height);  // every row seen once, however often it was read
  ASSERT_EQ(bands.at(0).shape(), whole.at(0).shape());
  EXPECT_LE(max_abs_diff(bands[0], whole[0]), 1e-6);

  // The engine alone on the whole image, preprocessed whole: the independent reference, away from the
  // border, where the network pads with zeros and the tiled run with the mirrored image.
  const std::vector<Tensor> engine_whole =
      predictor.predict({sample.pixels}, {.tile = {}, .halo = {}, .pad = tiling::PadMode::reflect, .whole = true, .after_tile = {}});
  const std::int64_t halo = 40;
  const Box inside{{halo, halo}, {height - halo, sample.pixels.size('x') - halo}};
  EXPECT_LE(max_abs_diff(tiling::read_padded(bands[0], "yx", inside, tiling::PadMode::zeros),
                         tiling::read_padded(engine_whole.at(0), "yx", inside, tiling::PadMode::zeros)),
            kTiledVsWholeMaxAbs);
}

// 4 x centre - the 4 neighbours, with zeros outside the image: the fixture laplace2d_tiny, naively.
double laplace_zeros(const Tensor& image, std::int64_t y, std::int64_t x) {
  const std::int64_t h = image.size('y'), w = image.size('x');
  const auto at = [&](std::int64_t yy, std::int64_t xx) {
    return yy < 0 || yy >= h || xx < 0 || xx >= w ? 0.0 : static_cast<double>(image.data<std::uint8_t>()[yy * w + xx]);
  };
  return 4 * at(y, x) - at(y - 1, x) - at(y + 1, x) - at(y, x - 1) - at(y, x + 1);
}

Tensor random_u8(std::int64_t h, std::int64_t w) {
  Tensor t(DType::u8, {1, 1, h, w}, "bcyx");
  std::mt19937 rng(7);
  for (std::int64_t i = 0; i < t.element_count(); ++i) t.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(rng() & 255);
  return t;
}

TEST(SliceRun, ZerosPaddingInBandsIsZeroOutsideTheImage) {
  const model::Model model = model::open_model(kSource / "tests/data/models/laplace2d_tiny");
  Predictor predictor(model, engine::choose_weights(model, ""), {.threads = 1});
  MemorySample sample{random_u8(50, 37)};
  const Tensor out = run(predictor, sample, {{'y', 16}, {'x', 16}}, true, tiling::PadMode::zeros).at(0);
  ASSERT_EQ(out.dtype(), DType::u8);
  std::int64_t wrong = 0;
  for (std::int64_t y = 0; y < 50; ++y)
    for (std::int64_t x = 0; x < 37; ++x)
      wrong += out.data<std::uint8_t>()[y * 37 + x] != static_cast<std::uint8_t>(std::clamp(laplace_zeros(sample.pixels, y, x), 0.0, 255.0));
  EXPECT_EQ(wrong, 0);
}

TEST(SliceRun, PostprocessingWithStatisticsGetsTheWholeOutputEvenInBands) {
  model::Model model = model::open_model(kSource / "tests/data/models/laplace2d_tiny");
  TensorSpec& output = model.spec.outputs.at(0);
  output.postprocessing = {make_op("zero_mean_unit_variance", {{"axes", {"y", "x"}}})};
  output.data_type = DType::f32;
  ASSERT_FALSE(postprocessing_per_band(model.spec));
  Predictor predictor(model, engine::choose_weights(model, ""), {.threads = 1});
  MemorySample sample{random_u8(41, 29)};
  const Tensor out = run(predictor, sample, {{'y', 12}, {'x', 12}}, true, tiling::PadMode::zeros).at(0);
  // Naively: the filter, then its mean and population std over the whole image.
  std::vector<double> raw;
  for (std::int64_t y = 0; y < 41; ++y)
    for (std::int64_t x = 0; x < 29; ++x) raw.push_back(laplace_zeros(sample.pixels, y, x));
  double mean = 0, squares = 0;
  for (double v : raw) mean += v / static_cast<double>(raw.size());
  for (double v : raw) squares += (v - mean) * (v - mean);
  const double std = std::sqrt(squares / static_cast<double>(raw.size()));
  ASSERT_EQ(out.element_count(), static_cast<std::int64_t>(raw.size()));
  double worst = 0;
  for (std::size_t i = 0; i < raw.size(); ++i)
    worst = std::max(worst, std::abs(out.data<float>()[i] - (raw[i] - mean) / (std + 1e-6)));
  EXPECT_LE(worst, 1e-5);
}

// Preprocessing that takes its percentiles from another input (0.4 `reference_tensor`), read in bands:
// the other input is measured in passes over its own bands, and the result is the whole-sample run's.
TEST(SliceRun, AReferenceTensorReadInBandsGivesTheWholeRunsResult) {
  model::Model model = model::open_model(kSource / "tests/data/models/geometry/half_input_v05");
  model.spec.inputs.at(0).preprocessing = {
      make_op("scale_range", {{"axes", {"y", "x"}}, {"min_percentile", 1}, {"max_percentile", 99}, {"reference_tensor", "half"}})};
  EXPECT_EQ(why_not_in_bands(model.spec, "yx", {{1, 1, 64, 48}, {1, 1, 32, 24}}), "");
  Predictor predictor(model, engine::choose_weights(model, ""), {.threads = 1});
  MemorySample raw{random_u8(64, 48)}, half{random_u8(32, 24)};
  std::vector<Tensor> results[2];
  for (const bool in_bands : {false, true}) {
    const TilingOptions tiling{.tile = {{'y', 32}, {'x', 32}}, .halo = {}, .pad = tiling::PadMode::reflect, .whole = false,
                               .after_tile = {}};
    SliceRunOptions options{.plan = {}, .axes = predictor.axis_tilings({raw.pixels.shape(), half.pixels.shape()}, tiling),
                            .in_bands = in_bands, .pad = tiling::PadMode::reflect, .after_tile = {}};
    options.plan = tiling::plan_tiles(options.axes);
    results[in_bands].resize(2);
    run_slice(predictor, {raw.input(), half.input()}, options, stitcher(results[in_bands]));
  }
  EXPECT_GT(raw.rows_read, 0);
  for (int k = 0; k < 2; ++k) {
    ASSERT_EQ(results[1][k].shape(), results[0][k].shape());
    EXPECT_LE(max_abs_diff(results[1][k], results[0][k]), 1e-6) << k;
  }
}

TEST(SliceRun, SaysWhyAModelCannotRunInBands) {
  const model::Model score = model::open_model(kSource / "tests/data/models/geometry/score_v05");
  EXPECT_NE(why_not_in_bands(score.spec, "yx", {{1, 1, 64, 64}}).find("has no \"y\" axis"), std::string::npos);
  model::Model outside = model::open_model(kSource / "tests/data/models/laplace2d_tiny");
  outside.spec.inputs.at(0).preprocessing = {make_op("scale_range", {{"reference_tensor", "edges"}})};
  EXPECT_NE(why_not_in_bands(outside.spec, "yx", {{1, 1, 64, 64}}).find("refers to a tensor that is not an input"), std::string::npos);
  model::Model per_row = model::open_model(kSource / "tests/data/models/laplace2d_tiny");
  per_row.spec.inputs.at(0).preprocessing = {make_op("zero_mean_unit_variance", {{"axes", {"x"}}})};
  EXPECT_NE(why_not_in_bands(per_row.spec, "yx", {{1, 1, 64, 64}}).find("keeps statistics separate along \"y\""), std::string::npos);
  EXPECT_EQ(why_not_in_bands(model::open_model(kSource / "examples/nuclei_unet2d").spec, "yx", {{1, 1, 64, 64}}), "");
}

}  // namespace
}  // namespace deepimage::run
