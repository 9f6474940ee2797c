// When the engine runs out of memory on a tile, the predictor cuts the image into smaller tiles and
// carries on; the result is the one a run with small tiles from the start gives.
#include <gtest/gtest.h>

#include "deepimage/error.hpp"
#include "engine/engine.hpp"
#include "io/image.hpp"
#include "model/model.hpp"
#include "run/predictor.hpp"
#include "run/slice_run.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"

namespace deepimage::run {
namespace {

const std::filesystem::path kSource = DEEPIMAGE_SOURCE_DIR;

// The real engine, except that tiles of more than `limit` pixels fail as an allocation would.
class EngineWithMemoryLimit : public engine::Engine {
 public:
  EngineWithMemoryLimit(std::unique_ptr<engine::Engine> real, std::int64_t limit, int* failures)
      : real_(std::move(real)), limit_(limit), failures_(failures) {}
  std::vector<Tensor> run(const std::vector<Tensor>& inputs) override {
    const Shape& s = inputs.at(0).shape();
    if (s.at(s.size() - 1) * s.at(s.size() - 2) > limit_) {
      ++*failures_;
      throw Error(ErrorCode::out_of_memory, "out of memory (test limit)");
    }
    return real_->run(inputs);
  }

 private:
  std::unique_ptr<engine::Engine> real_;
  std::int64_t limit_;
  int* failures_;
};

Tensor example_image() {
  Tensor image = io::read_image(kSource / "examples/images/nuclei_bbbc038_0bf4b1.tif").pixels.converted(DType::f32);
  image.reshape({1, 1, image.shape()[0], image.shape()[1]}, "bcyx");
  return image;
}

TEST(OutOfMemoryRetry, SmallerTilesGiveTheSameResult) {
  const model::Model model = model::open_model(kSource / "examples/nuclei_unet2d");
  const WeightsSpec& weights = engine::choose_weights(model, "torchscript");
  int failures = 0;
  // The whole 256x256 image needs a 336x336 tile; allow at most 200x200.
  Predictor limited(model, weights,
                    std::make_unique<EngineWithMemoryLimit>(engine::load_engine(model, weights, {.threads = 2}), 200 * 200, &failures));
  tiling::TilePlan used;
  PredictionStats stats;
  const std::vector<Tensor> retried = limited.predict({example_image()}, {}, &used, &stats);
  EXPECT_GE(failures, 1);
  EXPECT_EQ(stats.smaller_tile_retries, failures);
  EXPECT_LE(used.tile_shape[0] * used.tile_shape[1], 200 * 200);
  EXPECT_GT(used.tiles.size(), 1u);

  Predictor plain(model, weights, {.threads = 2});
  const std::vector<Tensor> whole = plain.predict({example_image()}, {});
  ASSERT_EQ(retried.at(0).shape(), whole.at(0).shape());
  EXPECT_LE(testing::max_abs_diff(retried[0], whole[0]), testing::kTiledVsWholeMaxAbs);
}

TEST(OutOfMemoryRetry, GivesUpWithAClearErrorAtTheSmallestTile) {
  const model::Model model = model::open_model(kSource / "examples/nuclei_unet2d");
  const WeightsSpec& weights = engine::choose_weights(model, "torchscript");
  int failures = 0;
  Predictor limited(model, weights, std::make_unique<EngineWithMemoryLimit>(engine::load_engine(model, weights, {.threads = 2}), 10, &failures));
  try {
    limited.predict({example_image()}, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::out_of_memory);
    EXPECT_NE(std::string(e.what()).find("even with the smallest tiles this model allows ((88, 88))"), std::string::npos) << e.what();
  }
}

// A run of part of the image keeps the whole image's tiles (parts join bit for bit only on one grid):
// out of memory, it stops after the one failed tile and asks for a smaller --tile.
TEST(OutOfMemoryRetry, ARegionRunKeepsItsTilesAndAsksForASmallerTile) {
  const model::Model model = model::open_model(kSource / "examples/nuclei_unet2d");
  const WeightsSpec& weights = engine::choose_weights(model, "torchscript");
  int failures = 0;
  Predictor limited(model, weights,
                    std::make_unique<EngineWithMemoryLimit>(engine::load_engine(model, weights, {.threads = 2}), 200 * 200, &failures));
  const Tensor image = example_image();
  const TilingOptions tiling{.tile = {{'y', 256}, {'x', 256}}, .halo = {}, .pad = tiling::PadMode::reflect, .whole = false, .after_tile = {}};
  SliceRunOptions options{.plan = {}, .axes = limited.axis_tilings({image.shape()}, tiling), .in_bands = false,
                          .pad = tiling::PadMode::reflect, .after_tile = {}, .region = Box{{0, 0}, {100, 100}}};
  options.plan = tiling::plan_tiles(options.axes);
  const tiling::TilePlan planned = options.plan;
  const SliceInput input{.shape = image.shape(), .read = [&](char axis, std::int64_t begin, std::int64_t end) {
                           return axis == 0 ? image : tiling::read_padded(image, std::string(1, axis), Box{{begin}, {end}}, tiling::PadMode::zeros);
                         },
                         .read_box = {}, .inspect = {}};
  try {
    run_slice(limited, {input}, options, [](const OutputBand&) { FAIL() << "emitted"; });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::out_of_memory);
    EXPECT_NE(std::string(e.what()).find("smaller --tile"), std::string::npos) << e.what();
  }
  EXPECT_EQ(failures, 1);
  EXPECT_EQ(options.plan.tile_shape, planned.tile_shape);
}

}  // namespace
}  // namespace deepimage::run
