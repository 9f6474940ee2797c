// `deepimage models`: what a models folder holds, as a user keeps one: a bundle folder, a bundle .zip,
// a legacy DeepImageJ folder (config.xml), a bundle whose rdf is broken, and things that are not models.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "io/image.hpp"
#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"
#include "support/zip_files.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

std::uint64_t naive_folder_size(const fs::path& folder) {
  std::uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(folder))
    if (e.is_regular_file()) total += e.file_size();
  return total;
}

// The tensor without its outermost pixel along y and x (the box filter's halo).
Tensor tiling_crop(const Tensor& t) {
  const std::int64_t c = t.size('c'), h = t.size('y'), w = t.size('x');
  Tensor out(DType::f32, {1, c, h - 2, w - 2}, "bcyx");
  for (std::int64_t k = 0; k < c; ++k)
    for (std::int64_t y = 1; y < h - 1; ++y)
      for (std::int64_t x = 1; x < w - 1; ++x)
        out.data<float>()[(k * (h - 2) + y - 1) * (w - 2) + x - 1] = t.data<float>()[(k * h + y) * w + x];
  return out;
}

fs::path make_models_folder(const fs::path& dir) {
  const fs::path models = dir / "models";
  fs::create_directories(models);
  fs::copy(source_dir() / "examples/nuclei_unet2d", models / "nuclei", fs::copy_options::recursive);
  const fs::path score = source_dir() / "tests/data/models/geometry/score_v05";
  std::vector<std::pair<std::string, std::string>> entries;
  for (const char* f : {"rdf.yaml", "weights.pt", "test_input.npy", "test_output.npy", "README.md"}) entries.push_back({f, slurp(score / f)});
  make_zip(models / "score.zip", entries);
  fs::create_directories(models / "broken");
  std::ofstream(models / "broken/rdf.yaml") << "format_version: 0.5.4\ntype: model\nname: broken\n";
  fs::create_directories(models / "legacy");
  std::ofstream(models / "legacy/config.xml")
      << "<Model>\n  <ModelInformation>\n    <Name>My legacy U-Net</Name>\n  </ModelInformation>\n"
         "  <ModelCharacteristics>\n    <NumberOfInputs>1</NumberOfInputs>\n    <InputNames0>input</InputNames0>\n"
         "    <InputOrganization0>NHWC</InputOrganization0>\n    <NumberOfOutputs>1</NumberOfOutputs>\n"
         "    <OutputNames0>output</OutputNames0>\n    <OutputOrganization0>NHWC</OutputOrganization0>\n"
         "    <Channels>1</Channels>\n    <FixedPatch>true</FixedPatch>\n    <PatchSize>256</PatchSize>\n"
         "    <Padding>16</Padding>\n  </ModelCharacteristics>\n</Model>\n";
  std::ofstream(models / "legacy/saved_model.pb") << "not read by models";
  fs::create_directories(models / "notes");
  std::ofstream(models / "notes/todo.txt") << "not a model\n";
  std::ofstream(models / "readme.txt") << "not a model either\n";
  fs::create_directories(models / ".hidden");
  std::ofstream(models / ".hidden/rdf.yaml") << "format_version: 0.5.4\n";
  return models;
}

TEST(Models, AFolderListsItsBundlesZipsAndLegacyModelsWithWhatRunsHere) {
  TempDir dir;
  const fs::path models = make_models_folder(dir.path());
  const CliResult r = run_cli({"models", "--dir", models.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto listing = nlohmann::json::parse(r.out);
  const auto& m = listing["models"];
  ASSERT_EQ(m.size(), 4u) << r.out;  // broken, legacy, nuclei, score.zip: sorted by name

  EXPECT_EQ(m[0]["path"], (models / "broken").string());
  EXPECT_NE(m[0]["error"].get<std::string>().find("inputs: required field is missing"), std::string::npos) << m[0];

  EXPECT_EQ(m[1]["kind"], "deepimagej");
  EXPECT_EQ(m[1]["name"], "My legacy U-Net");
  EXPECT_EQ(m[1]["inputs"][0]["axes"], "byxc");
  EXPECT_EQ(m[1]["weights"][0]["format"], "tensorflow_saved_model_bundle");

  EXPECT_EQ(m[2]["kind"], "bioimage.io");
  EXPECT_EQ(m[2]["name"], "deepimage nuclei U-Net 2D");
  EXPECT_EQ(m[2]["task"], "segmentation");
  EXPECT_EQ(m[2]["inputs"][0]["axes"], "bcyx");
  EXPECT_EQ(m[2]["size_bytes"].get<std::uint64_t>(), naive_folder_size(models / "nuclei"));
  std::vector<std::string> formats;
  for (const auto& w : m[2]["weights"]) {
    formats.push_back(w["format"]);
    EXPECT_TRUE(w["runs_here"].get<bool>()) << w;
  }
  EXPECT_EQ(formats, (std::vector<std::string>{"torchscript", "onnx"}));

  EXPECT_EQ(m[3]["path"], (models / "score.zip").string());
  EXPECT_EQ(m[3]["size_bytes"].get<std::uint64_t>(), fs::file_size(models / "score.zip"));
  EXPECT_EQ(m[3]["inputs"][0]["id"], "raw");

  // As text: one block per model, the unreadable one saying why.
  const CliResult text = run_cli({"models", "--dir", models.string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("4 models in " + models.string()), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("cannot be read: "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("legacy DeepImageJ bundle"), std::string::npos) << text.out;
}

TEST(Models, TheDefaultFolderComesFromTheEnvironmentAndAMissingOneIsAClearError) {
  TempDir dir;
  const fs::path models = make_models_folder(dir.path());
  ASSERT_EQ(setenv("DEEPIMAGE_MODELS", models.c_str(), 1), 0);
  const CliResult r = run_cli({"models", "--json"});
  unsetenv("DEEPIMAGE_MODELS");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["folder"], models.string());
  const CliResult missing = run_cli({"models", "--dir", (dir / "nowhere").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("models folder \"" + (dir / "nowhere").string() + "\" does not exist"), std::string::npos) << missing.err;
}

// `deepimage example` (Explore's "Apply"): the bundle on its own test input, through the run pipeline,
// equals its test output away from the border (where the network padded with zeros and the run
// mirrors the image).
TEST(Models, ExampleRunsTheBundleOnItsOwnTestInput) {
  TempDir dir;
  const fs::path bundle = source_dir() / "tests/data/models/geometry/channels_first_param_2";
  const CliResult r = run_cli({"example", bundle.string(), "-o", (dir / "out.npy").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote " + (dir / "out.npy").string()), std::string::npos) << r.out;
  const Tensor got = io::read_npy(dir / "out.npy"), expected = io::read_npy(bundle / "test_output.npy");  // (2, 16, 24), (1, 2, 16, 24)
  ASSERT_EQ(got.element_count(), expected.element_count());
  const Tensor inner_got = [&] {
    Tensor t = got;
    t.reshape({1, 2, 16, 24}, "bcyx");
    return tiling_crop(t);
  }();
  Tensor e = expected;
  e.set_axes("bcyx");
  EXPECT_LE(max_abs_diff(inner_got, tiling_crop(e)), 1e-4);
  // Run again without --overwrite: the result is never replaced.
  const CliResult again = run_cli({"example", bundle.string(), "-o", (dir / "out.npy").string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
}

// Explore shows the example input beside the result: --save-input writes it as a TIFF a viewer opens,
// equal to the bundle's test tensor without its batch (and one-channel) axis; an existing copy is refused before any run.
TEST(Models, ExampleSavesItsInputAsAnImage) {
  TempDir dir;
  const fs::path bundle = source_dir() / "tests/data/models/geometry/channels_first_param_2";
  const CliResult r = run_cli({"example", bundle.string(), "-o", (dir / "out.tif").string(), "--save-input",
                               (dir / "in.tif").string(), "--progress", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Tensor copy = io::read_image(dir / "in.tif").pixels, test_input = io::read_npy(bundle / "test_input.npy");
  ASSERT_EQ(copy.shape(), (Shape{16, 24}));  // (1, 1, 16, 24): batch and the one channel dropped
  EXPECT_EQ(copy.axes(), "yx");
  test_input.reshape({16, 24}, "yx");
  EXPECT_EQ(max_abs_diff(copy, test_input), 0.0);
  EXPECT_NE(r.err.find("\"finished\":true"), std::string::npos) << r.err;
  fs::remove(dir / "out.tif");
  const CliResult again = run_cli({"example", bundle.string(), "-o", (dir / "out.tif").string(), "--save-input",
                                   (dir / "in.tif").string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("in.tif\" exists"), std::string::npos) << again.err;
  EXPECT_FALSE(fs::exists(dir / "out.tif")) << "refused before the run";
}

}  // namespace
}  // namespace deepimage::testing
