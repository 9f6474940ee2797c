// Every shape rule the bioimage.io spec allows, through `deepimage run` on an image larger than the
// model's tiles, against a naive reference. The bundles (tests/data/models/geometry, written by
// scripts/make_geometry_models.py) compute the 3x3 box mean of the input and change its geometry:
// several output channels (channel-first and channel-last), 2x super-resolution, 2x downsampling,
// an 8-pixel crop per side, an axis expanded by a 0.4 null scale, a uint8 output type, a score per
// image along a channel or an index axis, and axis ids of the model's own.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <random>

#include <nlohmann/json.hpp>

#include "io/image.hpp"
#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"

namespace deepimage::testing {
namespace {

// Relative to the largest value compared: float32 sums of nine values, times up to 33, plus 32.
constexpr double kRelativeTolerance = 1e-5;

std::filesystem::path bundle(const std::string& name) { return source_dir() / "tests/data/models/geometry" / name; }

Tensor random_image(std::int64_t height, std::int64_t width) {
  std::mt19937 rng(4242);
  std::uniform_real_distribution<float> value(0.f, 255.f);
  Tensor t(DType::f32, {height, width}, "yx");
  for (std::int64_t i = 0; i < t.element_count(); ++i) t.data<float>()[i] = value(rng);
  return t;
}

std::int64_t reflect(std::int64_t i, std::int64_t n) {
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

// The 3x3 mean of the numpy-reflect-padded image at any position, inside the image or out.
double box_at(const Tensor& image, std::int64_t y, std::int64_t x) {
  const std::int64_t h = image.shape()[0], w = image.shape()[1];
  double sum = 0;
  for (std::int64_t dy = -1; dy <= 1; ++dy)
    for (std::int64_t dx = -1; dx <= 1; ++dx) sum += image.data<float>()[reflect(y + dy, h) * w + reflect(x + dx, w)];
  return sum / 9;
}

// Runs `model` on `image` (an .npy file) and reads the output back from a TIFF, as a user would.
Tensor run(const std::string& model, const std::filesystem::path& image, const std::filesystem::path& out,
           std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"run", bundle(model).string(), image.string(), "-o", out.string(), "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  const CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << model << ": " << r.err;
  if (r.exit_code != 0) return {};
  return io::read_image(out).pixels;
}

// Largest |got - expected(c, y, x)| relative to the largest |expected|, over an output with axes
// "cyx" or "yx".
double relative_error(const Tensor& got, const std::function<double(std::int64_t, std::int64_t, std::int64_t)>& expected) {
  const Tensor g = got.converted(DType::f64);
  const bool has_c = got.axes() == "cyx";
  const std::int64_t channels = has_c ? got.shape()[0] : 1, h = got.size('y'), w = got.size('x');
  double worst = 0, scale = 1e-12;
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t y = 0; y < h; ++y)
      for (std::int64_t x = 0; x < w; ++x) {
        const double e = expected(c, y, x);
        worst = std::max(worst, std::abs(g.data<double>()[(c * h + y) * w + x] - e));
        scale = std::max(scale, std::abs(e));
      }
  return worst / scale;
}

struct ChannelCase {
  std::string model;
  std::int64_t channels;
  std::vector<std::string> extra;  // a forced tile for the parameterised bundles
};

class OutputChannels : public ::testing::TestWithParam<ChannelCase> {};

// Every output channel is right, for channel-first and channel-last models, fixed and parameterised
// sizes, 1, 2 and 33 channels; the image (70 x 50) needs several tiles of every model.
TEST_P(OutputChannels, EveryChannelEqualsTheNaiveFilter) {
  const ChannelCase& c = GetParam();
  TempDir dir;
  const Tensor image = random_image(70, 50);
  io::write_npy(image, dir / "image.npy");
  const Tensor out = run(c.model, dir / "image.npy", dir / "out.tif", c.extra);
  ASSERT_FALSE(out.empty());
  ASSERT_EQ(out.shape(), c.channels == 1 ? Shape({70, 50}) : Shape({c.channels, 70, 50})) << out.axes();
  EXPECT_LE(relative_error(out, [&](auto k, auto y, auto x) { return box_at(image, y, x) * static_cast<double>(k + 1) + static_cast<double>(k); }),
            kRelativeTolerance);
}

std::vector<ChannelCase> channel_cases() {
  std::vector<ChannelCase> cases;
  for (const char* layout : {"first", "last"})
    for (std::int64_t n : {1, 2, 33}) {
      cases.push_back({std::string("channels_") + layout + "_fixed_" + std::to_string(n), n, {}});
      cases.push_back({std::string("channels_") + layout + "_param_" + std::to_string(n), n, {"--tile", "y=24,x=32"}});
    }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(LayoutsSizesAndCounts, OutputChannels, ::testing::ValuesIn(channel_cases()),
                         [](const auto& info) { return info.param.model; });

// Tiles, halos and stitching scale with the output: a 2x super-resolution output is the naive
// upsampling of the whole image, tiled or not, and its pixel size is half the input's.
TEST(Geometry, SuperResolutionOutputIsTwiceTheSizeWithHalfThePixelSize) {
  TempDir dir;
  const Tensor image = random_image(70, 50);
  io::Calibration calibration;
  calibration.x = calibration.y = 0.8;
  calibration.unit = "micron";
  io::write_image({image, calibration}, dir / "image.tif");
  for (const std::string model : {"superres2x_v05", "superres2x_v04"})
    for (const auto& extra : {std::vector<std::string>{}, std::vector<std::string>{"--tile", "y=24,x=32"}}) {
      const Tensor out = run(model, dir / "image.tif", dir / (model + std::to_string(extra.size()) + ".tif"), extra);
      ASSERT_EQ(out.shape(), (Shape{140, 100})) << model;
      EXPECT_LE(relative_error(out, [&](auto, auto y, auto x) { return box_at(image, y / 2, x / 2); }), kRelativeTolerance) << model;
      const auto written = io::read_image(dir / (model + std::to_string(extra.size()) + ".tif")).calibration;
      ASSERT_TRUE(written.has_value());
      EXPECT_NEAR(written->x, 0.4, 1e-6) << model;
      EXPECT_NEAR(written->y, 0.4, 1e-6) << model;
    }
}

// A 2x downsampling output covers the whole image, an odd-sized one included (its last pixel from
// the mirror-padded border), with tile boundaries on the output's pixel grid.
TEST(Geometry, DownsampledOutputCoversTheImage) {
  TempDir dir;
  for (const auto& [h, w] : {std::pair<std::int64_t, std::int64_t>{70, 50}, {71, 51}}) {
    const Tensor image = random_image(h, w);
    io::write_npy(image, dir / "image.npy");
    for (const auto& extra : {std::vector<std::string>{}, std::vector<std::string>{"--tile", "y=24,x=32"}}) {
      const Tensor out = run("downsample2x_v05", dir / "image.npy", dir / "out.tif", extra);
      std::filesystem::remove(dir / "out.tif");
      ASSERT_EQ(out.shape(), (Shape{(h + 1) / 2, (w + 1) / 2}));
      EXPECT_LE(relative_error(out,
                               [&](auto, auto y, auto x) {
                                 return (box_at(image, 2 * y, 2 * x) + box_at(image, 2 * y + 1, 2 * x) + box_at(image, 2 * y, 2 * x + 1) +
                                         box_at(image, 2 * y + 1, 2 * x + 1)) / 4;
                               }),
                kRelativeTolerance)
          << h << "x" << w;
    }
  }
}

// A network that crops 8 pixels per side (size offset -16) still gives an output at the input's
// geometry, every pixel at its true place: never shifted, never smaller.
TEST(Geometry, CroppingOutputIsPlacedAtItsTrueOrigin) {
  TempDir dir;
  const Tensor image = random_image(70, 50);
  io::write_npy(image, dir / "image.npy");
  for (const std::string model : {"crop16_v05", "crop16_v04"})
    for (const auto& extra : {std::vector<std::string>{}, std::vector<std::string>{"--tile", "y=32,x=40"}}) {
      const Tensor out = run(model, dir / "image.npy", dir / "out.tif", extra);
      std::filesystem::remove(dir / "out.tif");
      ASSERT_EQ(out.shape(), (Shape{70, 50})) << model;
      EXPECT_LE(relative_error(out, [&](auto, auto y, auto x) { return box_at(image, y, x); }), kRelativeTolerance) << model;
    }
}

// rdf 0.4 `scale: null` expands an axis the input lacks to 2 * offset: a "byx" input gives a
// two-channel "bcyx" output.
TEST(Geometry, NullScaleExpandsAnAxis) {
  TempDir dir;
  const Tensor image = random_image(70, 50);
  io::write_npy(image, dir / "image.npy");
  const Tensor out = run("expand_null_v04", dir / "image.npy", dir / "out.tif", {"--tile", "y=24,x=32"});
  ASSERT_EQ(out.shape(), (Shape{2, 70, 50}));
  EXPECT_LE(relative_error(out, [&](auto c, auto y, auto x) {
              return c == 0 ? box_at(image, y, x) : static_cast<double>(image.data<float>()[y * 50 + x]);
            }),
            kRelativeTolerance);
}

// The output's declared data type is what is written, without an ensure_dtype op in the rdf.
TEST(Geometry, DeclaredOutputTypeIsWritten) {
  TempDir dir;
  const Tensor image = random_image(70, 50);
  io::write_npy(image, dir / "image.npy");
  const Tensor out = run("uint8_out_v05", dir / "image.npy", dir / "out.tif");
  ASSERT_EQ(out.dtype(), DType::u8);
  // At most one level off, where float32 and double round a value within 1e-5 of .5 differently.
  EXPECT_LE(relative_error(out, [&](auto, auto y, auto x) { return std::clamp(std::round(box_at(image, y, x)), 0.0, 255.0); }),
            1.0 / 255);
}

// 0.5 axis ids of the bundle's own (channel "ch", space "row", "col") map by type and order, in sizes
// that reference them and in the `axes` of zero_mean_unit_variance.
TEST(Geometry, AxisIdsOfTheModelsOwnMapByType) {
  TempDir dir;
  const Tensor image = random_image(45, 70);
  io::write_npy(image, dir / "image.npy");
  const Tensor out = run("named_axes_v05", dir / "image.npy", dir / "out.tif");
  ASSERT_EQ(out.shape(), image.shape());
  double mean = 0, squares = 0;
  const auto n = static_cast<double>(image.element_count());
  for (std::int64_t i = 0; i < image.element_count(); ++i) mean += image.data<float>()[i] / n;
  for (std::int64_t i = 0; i < image.element_count(); ++i) squares += std::pow(image.data<float>()[i] - mean, 2);
  Tensor normalised = image;
  for (std::int64_t i = 0; i < image.element_count(); ++i)
    normalised.data<float>()[i] = static_cast<float>((image.data<float>()[i] - mean) / (std::sqrt(squares / n) + 1e-6));
  EXPECT_LE(relative_error(out, [&](auto, auto y, auto x) { return box_at(normalised, y, x); }), kRelativeTolerance);
  const CliResult info = run_cli({"info", bundle("named_axes_v05").string()});
  EXPECT_NE(info.out.find("bcyx"), std::string::npos) << info.out;
}

// An rdf 0.5 `optional` input may be left out: the network gets None (here: the box mean alone);
// given, it is used (the box mean plus it).
TEST(Geometry, AnOptionalInputMayBeLeftOut) {
  TempDir dir;
  const Tensor image = random_image(45, 70), extra = random_image(45, 70);
  Tensor shifted = extra;
  for (std::int64_t i = 0; i < shifted.element_count(); ++i) shifted.data<float>()[i] = extra.data<float>()[(i * 7) % extra.element_count()];
  io::write_npy(image, dir / "image.npy");
  io::write_npy(shifted, dir / "extra.npy");
  const Tensor alone = run("optional_input_v05", dir / "image.npy", dir / "alone.tif");
  EXPECT_LE(relative_error(alone, [&](auto, auto y, auto x) { return box_at(image, y, x); }), kRelativeTolerance);
  const CliResult both = run_cli({"run", bundle("optional_input_v05").string(), (dir / "image.npy").string(),
                                  (dir / "extra.npy").string(), "-o", (dir / "both.tif").string(), "--tile", "y=32,x=32"});
  ASSERT_EQ(both.exit_code, 0) << both.err;
  const Tensor with_extra = io::read_image(dir / "both.tif").pixels;
  EXPECT_LE(relative_error(with_extra, [&](auto, auto y, auto x) { return box_at(image, y, x) + shifted.data<float>()[y * 70 + x]; }),
            kRelativeTolerance);
  // Three files are one too many: the message says which inputs are optional.
  const CliResult three = run_cli({"run", bundle("optional_input_v05").string(), (dir / "image.npy").string(),
                                   (dir / "extra.npy").string(), (dir / "extra.npy").string(), "-o", (dir / "three.tif").string()});
  EXPECT_EQ(three.exit_code, 1);
  EXPECT_NE(three.err.find("takes 1 to 2 input(s) (raw, extra (optional)); got 3 file(s)"), std::string::npos) << three.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "three.tif"));
}

// A second input sized after the first at half its size (0.5 axis scales): both are cut into the same
// tiles, the second's halved, and each output (the box mean of its input) covers its own input.
TEST(Geometry, AnInputAtHalfTheFirstsSizeIsTiledAlongWithIt) {
  TempDir dir;
  const Tensor image = random_image(100, 120), half = random_image(50, 60);
  io::write_npy(image, dir / "image.npy");
  io::write_npy(half, dir / "half.npy");
  const CliResult r = run_cli({"run", bundle("half_input_v05").string(), (dir / "image.npy").string(), (dir / "half.npy").string(),
                               "-o", (dir / "out").string(), "--tile", "y=48,x=64", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(nlohmann::json::parse(r.out)["tiling"]["tile_count"].get<int>(), 4);
  const Tensor out = io::read_image(dir / "out/image_out.tif").pixels, out_half = io::read_image(dir / "out/image_out_half.tif").pixels;
  ASSERT_EQ(out.shape(), image.shape());
  ASSERT_EQ(out_half.shape(), half.shape());
  EXPECT_LE(relative_error(out, [&](auto, auto y, auto x) { return box_at(image, y, x); }), kRelativeTolerance);
  EXPECT_LE(relative_error(out_half, [&](auto, auto y, auto x) { return box_at(half, y, x); }), kRelativeTolerance);
  // A second input of any other size is refused, naming the size the model needs.
  io::write_npy(random_image(40, 60), dir / "wrong.npy");
  const CliResult wrong = run_cli({"run", bundle("half_input_v05").string(), (dir / "image.npy").string(), (dir / "wrong.npy").string(),
                                   "-o", (dir / "wrong").string()});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("input \"half\" is 40 pixels along \"y\" but \"raw\" is 100; the model sizes it as \"raw\" times 0.500000: "
                           "give it 50 pixels"), std::string::npos) << wrong.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "wrong"));
}

// A batch of several samples in an .npy runs as that many samples, each on its own.
TEST(Geometry, EverySampleOfABatchRuns) {
  TempDir dir;
  Tensor batch(DType::f32, {3, 1, 40, 48}, "bcyx");
  std::vector<Tensor> samples;
  for (std::int64_t b = 0; b < 3; ++b) {
    samples.push_back(random_image(40, 48));
    for (std::int64_t i = 0; i < 40 * 48; ++i) batch.data<float>()[b * 40 * 48 + i] = samples.back().data<float>()[i] * static_cast<float>(b + 1);
  }
  io::write_npy(batch, dir / "batch.npy");
  const CliResult r = run_cli({"run", bundle("channels_first_param_2").string(), (dir / "batch.npy").string(), "-o",
                               (dir / "out.npy").string(), "--tile", "y=24,x=32", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Tensor out = io::read_npy(dir / "out.npy");
  ASSERT_EQ(out.shape(), (Shape{3, 2, 40, 48}));
  double worst = 0;
  for (std::int64_t b = 0; b < 3; ++b)
    for (std::int64_t k = 0; k < 2; ++k)
      for (std::int64_t y = 0; y < 40; ++y)
        for (std::int64_t x = 0; x < 48; ++x) {
          const double expected = box_at(samples[static_cast<std::size_t>(b)], y, x) * static_cast<double>(b + 1) * static_cast<double>(k + 1) +
                                  static_cast<double>(k);
          worst = std::max(worst, std::abs(out.data<float>()[((b * 2 + k) * 40 + y) * 48 + x] - expected) / (255.0 * 3 * 2 + 1));
        }
  EXPECT_LE(worst, kRelativeTolerance);
}

// The inputs of a model are cut into the same tiles: inputs of different sizes are refused in one
// line naming the input and both sizes, never run into a silently wrong result.
TEST(Geometry, InputsOfDifferentSizesAreRefused) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  io::write_npy(random_image(64, 64), dir / "a.npy");
  io::write_npy(random_image(32, 32), dir / "b.npy");
  const CliResult r = run_cli({"run", (realdata() / "unet2d_multi_tensor").string(), (dir / "a.npy").string(),
                               (dir / "b.npy").string(), "-o", (dir / "out").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("\"input1\" is 32 pixels along \"y\" but \"input0\" is 64"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

// A tile larger than the smallest one that holds the whole image and its halos would only cost
// memory and time: the whole image runs in that smallest tile instead.
TEST(Geometry, ATileLargerThanTheImageRunsTheWholeImage) {
  TempDir dir;
  io::write_npy(random_image(70, 50), dir / "image.npy");
  const CliResult r = run_cli({"run", bundle("channels_first_param_1").string(), (dir / "image.npy").string(), "-o",
                               (dir / "out.npy").string(), "--tile", "y=4096,x=4096", "--plan", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto tiling = nlohmann::json::parse(r.out)["tiling"];
  EXPECT_EQ(tiling["tile_shape"], nlohmann::json({72, 56})) << tiling.dump();  // min 16 + n * 8 >= 70 + 2, 50 + 2
  EXPECT_EQ(tiling["tile_count"].get<int>(), 1);
}

// An output without spatial axes (a score per image) is never stitched from tiles: the image runs in
// one piece along every axis it lacks, mirror-padded to the model's next valid size.
// The same along a channel axis (b, c) and an index axis (b, i).
TEST(Geometry, AScorePerImageComesFromOneTileOfTheWholeImage) {
  for (const std::string model : {"score_v05", "index_v05"}) {
    SCOPED_TRACE(model);
    TempDir dir;
    const Tensor image = random_image(70, 50);
    io::write_npy(image, dir / "image.npy");
    const CliResult r = run_cli({"run", bundle(model).string(), (dir / "image.npy").string(), "-o", (dir / "out.npy").string(),
                                 "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["tiling"]["tile_count"].get<int>(), 1);
    const Tensor out = io::read_npy(dir / "out.npy");
    ASSERT_EQ(out.element_count(), 2) << shape_to_string(out.shape());
    // The network sees the smallest valid tile holding the image, 72 x 56 (min 16 + n * 8), reflected.
    double sum = 0, max = -1;
    for (std::int64_t y = 0; y < 72; ++y)
      for (std::int64_t x = 0; x < 56; ++x) {
        const double v = image.data<float>()[reflect(y, 70) * 50 + reflect(x, 50)];
        sum += v, max = std::max(max, v);
      }
    EXPECT_NEAR(out.data<float>()[0], sum / (72 * 56), 1e-3);
    EXPECT_FLOAT_EQ(out.data<float>()[1], static_cast<float>(max));
    // A tile forced along an axis the score lacks is refused, naming it.
    const CliResult forced = run_cli({"run", bundle(model).string(), (dir / "image.npy").string(), "-o",
                                      (dir / "forced.npy").string(), "--tile", "y=24"});
    EXPECT_EQ(forced.exit_code, 1) << forced.err;
    EXPECT_NE(forced.err.find("has no \"y\" axis"), std::string::npos) << forced.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "forced.npy"));
  }
}

// `deepimage test` runs each bundle's test input through the engine alone and through the whole
// run pipeline in the smallest tiles; every geometry bundle passes both.
TEST(TestCommand, EveryGeometryBundlePassesEngineAndTiledPipeline) {
  for (const auto& entry : std::filesystem::directory_iterator(source_dir() / "tests/data/models/geometry")) {
    const CliResult r = run_cli({"test", entry.path().string(), "--json"});
    EXPECT_EQ(r.exit_code, 0) << entry.path() << r.out << r.err;
    const auto j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.out;
    // A score per image runs in one tile; every other geometry in several.
    const bool per_image = entry.path().filename() == "score_v05" || entry.path().filename() == "index_v05";
    EXPECT_GT(j["tiled"]["tile_count"].get<int>(), per_image ? 0 : 1) << entry.path();
  }
}

// The tiled half of `test` is what catches a halo too small for the network: with the box filter's
// halo of 1 removed from the rdf, the engine alone still matches, the tiles show seams.
TEST(TestCommand, TiledPipelineCatchesAMissingHalo) {
  TempDir dir;
  const auto original = bundle("channels_first_param_2");
  for (const auto& entry : std::filesystem::directory_iterator(original))
    std::filesystem::copy_file(entry.path(), dir / entry.path().filename());
  std::string rdf = slurp(dir / "rdf.yaml");
  for (std::size_t at; (at = rdf.find("        halo: 1\n")) != std::string::npos;) rdf.erase(at, 16);
  std::ofstream(dir / "rdf.yaml", std::ios::trunc) << rdf;
  const CliResult r = run_cli({"test", dir.path().string(), "--json"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_TRUE(j["outputs"][0]["passed"].get<bool>());
  EXPECT_FALSE(j["tiled"]["outputs"][0]["passed"].get<bool>());
}

}  // namespace
}  // namespace deepimage::testing
