// run_slice, the one loop of every run: a sample read in bands of tile rows gives what the sample read
// whole gives, and both match independent references (the engine on the whole image; a naive filter).
// A region run gives the whole run's pixels of its region bit for bit, reading only what its tiles read.
#include "run/slice_run.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "engine/engine.hpp"
#include "io/image.hpp"
#include "model/model.hpp"
#include "model/spec_json.hpp"
#include "run/image_statistics.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"
#include "tiling/padding.hpp"

namespace deepimage::run {
namespace {

const std::filesystem::path kSource = DEEPIMAGE_SOURCE_DIR;
using testing::kTiledVsWholeMaxAbs;
using testing::max_abs_diff;

// A sample in memory served the way a file is: any band along any axis, or any box, counting the
// rows and pixels read (boxes must lie inside the sample, as a file's reader requires).
struct MemorySample {
  Tensor pixels;
  std::int64_t rows_read = 0, rows_inspected = 0, pixels_read = 0, pixels_inspected = 0;

  SliceInput input() {
    return {.shape = pixels.shape(),
            .read = [this](char axis, std::int64_t begin, std::int64_t end) {
              if (axis == 0) {
                pixels_read += pixels.size('y') * pixels.size('x');
                return pixels;
              }
              rows_read += end - begin;
              pixels_read += (end - begin) * pixels.size(axis == 'y' ? 'x' : 'y');
              return tiling::read_padded(pixels, std::string(1, axis), Box{{begin}, {end}}, tiling::PadMode::zeros);
            },
            .read_box = [this](const std::string& axes, const Box& box) {
              for (std::size_t k = 0; k < axes.size(); ++k)
                EXPECT_TRUE(0 <= box.begin[k] && box.end[k] <= pixels.size(axes[k])) << box.to_string();
              pixels_read += element_count(box.shape());
              return tiling::read_padded(pixels, axes, box, tiling::PadMode::zeros);
            },
            .inspect = [this](const Tensor& part) {
              rows_inspected += part.size('y');
              pixels_inspected += part.size('y') * part.size('x');
            }};
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

// Puts a region run's OutputBand into `out` (allocated like `whole` on the first call).
void place(Tensor& out, const Tensor& whole, const OutputBand& band) {
  if (out.empty()) out = Tensor(whole.dtype(), whole.shape(), whole.axes());
  ASSERT_EQ(band.axis, 0);
  ASSERT_EQ(band.box_axes, "yx");
  Box all = band.box;
  for (std::size_t k = 0; k < all.rank(); ++k) all.end[k] -= all.begin[k], all.begin[k] = 0;
  tiling::write_box(out, band.box_axes, band.box, band.values, all);
}

struct RegionRun {
  Tensor values;  // the region's output pixels, model axes
  Box box;        // where they lie in the output
  int bands = 0;
};

RegionRun run_region(Predictor& predictor, MemorySample& sample, SliceRunOptions options, const Box& region, bool boxes) {
  options.region = region;
  RegionRun r;
  SliceInput input = sample.input();
  if (!boxes) input.read_box = {};
  run_slice(predictor, {input}, options, [&](const OutputBand& band) {
    ++r.bands;
    EXPECT_EQ(band.output, 0u);
    EXPECT_EQ(band.axis, 0);
    EXPECT_EQ(band.box_axes, "yx");
    r.values = band.values, r.box = band.box;
  });
  return r;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && std::equal(a.bytes(), a.bytes() + a.byte_count(), b.bytes());
}

// The pixels of the sample the tiles meeting `region` read (their read boxes' hull, clipped to the
// sample), worked out from the plan here.
std::int64_t pixels_tiles_read(const tiling::TilePlan& plan, const Box& region, const std::vector<std::int64_t>& sizes) {
  std::vector<std::int64_t> lo(2, std::numeric_limits<std::int64_t>::max()), hi(2, std::numeric_limits<std::int64_t>::min());
  for (const tiling::Tile& t : plan.tiles) {
    bool meets = true;
    for (std::size_t k = 0; k < 2; ++k) meets = meets && t.write.begin[k] < region.end[k] && region.begin[k] < t.write.end[k];
    if (!meets) continue;
    for (std::size_t k = 0; k < 2; ++k) lo[k] = std::min(lo[k], t.read.begin[k]), hi[k] = std::max(hi[k], t.read.end[k]);
  }
  std::int64_t pixels = 1;
  for (std::size_t k = 0; k < 2; ++k) pixels *= std::min(hi[k], sizes[k]) - std::max<std::int64_t>(lo[k], 0);
  return pixels;
}

// Regions cutting tiles in the middle, and at the image's border, with `reflect` and with `zeros`
// padding: each region's pixels are the whole run's bit for bit (the U-Net's halo does not cover its
// receptive field, so other tiles would give other bits). The percentile normalisation is measured
// over the whole sample by the region run too.
TEST(SliceRun, ARegionGivesTheWholeRunsPixelsBitForBit) {
  const model::Model model = model::open_model(kSource / "examples/nuclei_unet2d");
  Predictor predictor(model, engine::choose_weights(model, "torchscript"), {.threads = 2});
  MemorySample sample{io::read_image(kSource / "examples/images/nuclei_bbbc038_0bf4b1.tif").pixels};
  sample.pixels.reshape({1, 1, sample.pixels.shape()[0], sample.pixels.shape()[1]}, "bcyx");
  const std::int64_t h = sample.pixels.size('y'), w = sample.pixels.size('x');
  ASSERT_EQ(h, 256);
  for (const tiling::PadMode pad : {tiling::PadMode::reflect, tiling::PadMode::zeros}) {
    const TilingOptions tiling{.tile = {{'y', 168}, {'x', 168}}, .halo = {}, .pad = pad, .whole = false, .after_tile = {}};
    SliceRunOptions options{.plan = {}, .axes = predictor.axis_tilings({sample.pixels.shape()}, tiling), .in_bands = false, .pad = pad,
                            .after_tile = {}};
    options.plan = tiling::plan_tiles(options.axes);
    ASSERT_EQ(options.plan.tiles.size(), 9u);  // writes [0, 88), [88, 176), [176, 256) along each axis
    std::vector<Tensor> whole(1);
    run_slice(predictor, {sample.input()}, options, stitcher(whole));
    // The last time, the input reads bands only (no read_box), which the region run crops.
    const std::vector<std::pair<Box, bool>> runs = {{Box{{40, 100}, {130, 201}}, true}, {Box{{0, 219}, {31, 256}}, true},
                                                     {Box{{200, 0}, {256, 256}}, true}, {Box{{0, 0}, {h, w}}, true},
                                                     {Box{{40, 100}, {130, 201}}, false}};
    for (const auto& [region, boxes] : runs) {
      const RegionRun r = run_region(predictor, sample, options, region, boxes);
      EXPECT_EQ(r.bands, 1);
      EXPECT_EQ(r.box, region);
      EXPECT_TRUE(same_bits(r.values, tiling::read_padded(whole[0], "yx", region, tiling::PadMode::zeros)))
          << region.to_string() << " " << tiling::to_string(pad) << (boxes ? " read by box" : " read in bands");
    }
  }
}

// A 2-sample stack, each sample normalised with its own statistics measured beforehand (what shards
// get from --stats): regions partitioning each sample join into the whole run bit for bit, each
// reading only the pixels its tiles read (no statistics pass: they were given).
TEST(SliceRun, RegionsOfAStackWithGivenStatisticsJoinIntoTheWholeRunReadingOnlyTheirTiles) {
  const model::Model model = model::open_model(kSource / "examples/nuclei_unet2d");
  Predictor predictor(model, engine::choose_weights(model, "torchscript"), {.threads = 2});
  std::vector<MemorySample> samples(2);
  samples[0].pixels = io::read_image(kSource / "examples/images/nuclei_bbbc038_0bf4b1.tif").pixels;
  samples[0].pixels.reshape({1, 1, 256, 256}, "bcyx");
  samples[1].pixels = random_u8(256, 256);
  const Shape shape = samples[0].pixels.shape();
  const StatisticsFile statistics = measure_image_statistics(predictor.spec(), {.axes = "z", .sizes = {2}}, {shape},
                                                             [&](std::int64_t k) { return std::vector<Tensor>{samples[k].pixels}; });
  const TilingOptions tiling{.tile = {{'y', 128}, {'x', 168}}, .halo = {}, .pad = tiling::PadMode::reflect, .whole = false, .after_tile = {}};
  SliceRunOptions options{.plan = {}, .axes = predictor.axis_tilings({shape}, tiling), .in_bands = false, .pad = tiling::PadMode::reflect,
                          .after_tile = {}, .dataset = &statistics.dataset, .given = &statistics.samples};
  options.plan = tiling::plan_tiles(options.axes);
  const std::vector<Box> partition = {Box{{0, 0}, {77, 130}}, Box{{0, 130}, {77, 256}}, Box{{77, 0}, {256, 13}}, Box{{77, 13}, {256, 256}}};
  for (std::int64_t k = 0; k < 2; ++k) {
    MemorySample& sample = samples[static_cast<std::size_t>(k)];
    options.sample = k;
    options.region.reset();
    std::vector<Tensor> whole(1);
    run_slice(predictor, {sample.input()}, options, stitcher(whole));
    Tensor joined;
    for (const Box& region : partition) {
      sample.pixels_read = sample.pixels_inspected = 0;
      options.region = region;
      int tiles = 0;
      options.after_tile = [&] { ++tiles; };
      run_slice(predictor, {sample.input()}, options, [&](const OutputBand& band) { place(joined, whole[0], band); });
      options.after_tile = {};
      EXPECT_EQ(tiles, static_cast<int>(tiles_meeting(options.plan, region).size()));
      EXPECT_LT(tiles, static_cast<int>(options.plan.tiles.size())) << region.to_string();
      EXPECT_EQ(sample.pixels_read, pixels_tiles_read(options.plan, region, {256, 256})) << region.to_string();
      EXPECT_EQ(sample.pixels_inspected, sample.pixels_read);
    }
    EXPECT_TRUE(same_bits(joined, whole[0])) << "sample " << k;
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
