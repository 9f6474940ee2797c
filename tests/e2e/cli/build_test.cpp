// `deepimage build`: bundles built from weights the project has (a real U-Net's TorchScript and ONNX
// files, the Laplacian fixture of scripts/make_test_models.py), checked against independent
// references: the real bundle's own expected output on the same input, a Laplacian computed here, the
// project's rdf parser on the written rdf, sha256 recomputed from the files, `deepimage test` on the
// result. Each refused request leaves nothing behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "io/image.hpp"
#include "io/npy.hpp"
#include "model/bundle.hpp"
#include "model/rdf.hpp"
#include "model/spec_json.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

fs::path nuclei() { return realdata() / "unet2d_nuclei_broad"; }
fs::path laplace() { return source_dir() / "tests/data/models/laplace2d_tiny"; }

// The arguments that describe unet2d_nuclei_broad as its own rdf does (axes, size, halo, ops).
std::vector<std::string> nuclei_args(const fs::path& weights, const fs::path& output) {
  return {"build", "--weights", weights.string(), "--example", (nuclei() / "test_input.npy").string(),
          "--name", "UNet 2D Nuclei Broad (rebuilt)", "--description", "The bioimage.io nuclei U-Net, packaged again by deepimage build.",
          "--author", "Constantin Pape; EMBL Heidelberg; constantinpape", "--author", "Fynn Beuttenmueller",
          "--license", "MIT", "--cite", "Ronneberger et al. U-net. MICCAI 2015; 10.1007/978-3-319-24574-4_28",
          "--tag", "unet2d", "--tag", "nucleus",
          "--input-id", "raw", "--input-axes", "bcyx", "--input-size", "y=512,x=512",
          "--preprocess", "ensure_dtype:{\"dtype\": \"float32\"}", "--preprocess", "zero_mean_unit_variance:{\"axes\": [\"y\", \"x\"]}",
          "--output-id", "probability", "--output-axes", "bcyx", "--halo", "y=32,x=32", "--postprocess", "sigmoid",
          "-o", output.string()};
}

// Files in a folder, hidden ones included (temporary files must not survive).
std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

Tensor entry_npy(const model::Bundle& b, const std::string& name) { return io::read_npy_bytes(b.read(name), name); }

// The rdf of a built bundle, parsed by the project's parser, and every file it names hashed again.
ModelSpec check_bundle_files(const fs::path& bundle_path) {
  const model::Bundle b = model::Bundle::open(bundle_path);
  EXPECT_EQ(b.rdf_name(), "rdf.yaml");
  const ModelSpec spec = model::parse_rdf(b.read_text("rdf.yaml"), "rdf.yaml");
  EXPECT_EQ(spec.format_version.rfind("0.5.", 0), 0u) << spec.format_version;
  std::vector<std::pair<std::string, std::string>> named = {{spec.weights.at(0).source, spec.weights[0].sha256},
                                                            {spec.inputs.at(0).test_tensor, spec.inputs[0].test_tensor_sha256},
                                                            {spec.outputs.at(0).test_tensor, spec.outputs[0].test_tensor_sha256},
                                                            {spec.inputs[0].sample_tensor, spec.inputs[0].sample_tensor_sha256},
                                                            {spec.outputs[0].sample_tensor, spec.outputs[0].sample_tensor_sha256}};
  for (const FileDescr& f : spec.attachments) named.push_back({f.source, f.sha256});
  for (const auto& [name, sha] : named) {
    EXPECT_FALSE(sha.empty()) << name;
    EXPECT_EQ(model::sha256_hex(b.read(name)), sha) << name;
  }
  std::vector<std::string> attached;
  for (const FileDescr& f : spec.attachments) attached.push_back(f.source);
  EXPECT_NE(std::find(attached.begin(), attached.end(), "cover.png"), attached.end());
  EXPECT_NE(std::find(attached.begin(), attached.end(), spec.documentation), attached.end());
  EXPECT_EQ(spec.covers, std::vector<std::string>{"cover.png"});
  EXPECT_TRUE(b.contains(spec.documentation));
  return spec;
}

void expect_nuclei_fields(const ModelSpec& spec, const std::string& format) {
  EXPECT_EQ(spec.name, "UNet 2D Nuclei Broad (rebuilt)");
  EXPECT_EQ(spec.license, "MIT");
  ASSERT_EQ(spec.authors.size(), 2u);
  EXPECT_EQ(spec.authors[0].name, "Constantin Pape");
  EXPECT_EQ(spec.authors[0].affiliation, "EMBL Heidelberg");
  EXPECT_EQ(spec.authors[0].github_user, "constantinpape");
  EXPECT_EQ(spec.authors[1].name, "Fynn Beuttenmueller");
  ASSERT_EQ(spec.cite.size(), 1u);
  EXPECT_EQ(spec.cite[0].doi, "10.1007/978-3-319-24574-4_28");
  EXPECT_EQ(spec.tags, (std::vector<std::string>{"unet2d", "nucleus"}));
  EXPECT_EQ(spec.documentation, "README.md");
  ASSERT_EQ(spec.inputs.size(), 1u);
  const TensorSpec& in = spec.inputs[0];
  EXPECT_EQ(in.id, "raw");
  EXPECT_EQ(in.axes_string(), "bcyx");
  EXPECT_EQ(in.axis('y')->size.kind, AxisSize::Kind::fixed);
  EXPECT_EQ(in.axis('y')->size.value, 512);
  EXPECT_EQ(in.axis('c')->channel_names, std::vector<std::string>{"raw"});
  ASSERT_EQ(in.preprocessing.size(), 2u);
  EXPECT_EQ(in.preprocessing[1].id, "zero_mean_unit_variance");
  EXPECT_EQ(kwargs_of(in.preprocessing[1])["axes"], nlohmann::json({"y", "x"}));
  const TensorSpec& out = spec.outputs.at(0);
  EXPECT_EQ(out.id, "probability");
  EXPECT_EQ(out.axes_string(), "bcyx");
  EXPECT_EQ(out.axis('x')->halo, 32);
  EXPECT_EQ(out.axis('x')->size.kind, AxisSize::Kind::reference);
  EXPECT_EQ(out.axis('x')->size.ref_tensor, "raw");
  EXPECT_EQ(out.axis('x')->size.factor, 1.0);
  EXPECT_EQ(out.data_type, DType::f32);
  ASSERT_EQ(out.postprocessing.size(), 1u);
  EXPECT_EQ(out.postprocessing[0].id, "sigmoid");
  ASSERT_EQ(spec.weights.size(), 1u);
  EXPECT_EQ(spec.weights[0].format, format);
}

TEST(Build, RealUNetTorchScriptRebuiltAsZipReproducesItsShippedOutput) {
  if (!fs::exists(nuclei())) GTEST_SKIP() << "no ../shared/realdata";
  TempDir dir;
  const fs::path zip = dir / "nuclei.zip";
  CliResult r = run_cli(nuclei_args(nuclei() / "weights.pt", zip));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"nuclei.zip"});  // no temporary left
  const ModelSpec spec = check_bundle_files(zip);
  expect_nuclei_fields(spec, "torchscript");
  EXPECT_FALSE(spec.weights[0].version.empty());

  const model::Bundle b = model::Bundle::open(zip);
  EXPECT_EQ(model::sha256_hex(b.read("weights.pt")), model::sha256_hex(model::Bundle::open(nuclei()).read("weights.pt")));
  const Tensor expected = io::read_npy(nuclei() / "test_output.npy");
  const Tensor ours = entry_npy(b, "test_output.npy");
  ASSERT_EQ(ours.shape(), expected.shape());
  EXPECT_LE(max_abs_diff(ours, expected), kRebuiltVsShippedMaxAbs);
  EXPECT_EQ(max_abs_diff(entry_npy(b, "test_input.npy"), io::read_npy(nuclei() / "test_input.npy")), 0.0);

  // The cover: input and output side by side, each panel 256 pixels on its longer side.
  const fs::path cover = dir / "cover.png";
  const auto bytes = b.read("cover.png");
  std::ofstream(cover, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  const io::Image picture = io::read_image(cover);
  EXPECT_EQ(picture.pixels.shape(), (Shape{256, 512, 3}));

  CliResult test = run_cli({"test", zip.string(), "--json"});
  EXPECT_EQ(test.exit_code, 0) << test.out << test.err;
}

TEST(Build, RealUNetOnnxRebuiltAsFolderReproducesItsShippedOutput) {
  if (!fs::exists(nuclei())) GTEST_SKIP() << "no ../shared/realdata";
  TempDir dir;
  const fs::path folder = dir / "nuclei_onnx";
  std::vector<std::string> args = nuclei_args(nuclei() / "weights.onnx", folder.string() + "/");
  args.push_back("--json");
  CliResult r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["zip"], false);
  EXPECT_EQ(report["test"]["passed"], true);
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"nuclei_onnx"});
  const ModelSpec spec = check_bundle_files(folder);
  expect_nuclei_fields(spec, "onnx");
  EXPECT_EQ(spec.weights[0].version, "20");  // the opset the real rdf declares, read here from the file
  const Tensor expected = io::read_npy(nuclei() / "test_output.npy");
  EXPECT_LE(max_abs_diff(io::read_npy(folder / "test_output.npy"), expected), kRebuiltVsShippedMaxAbs);
  EXPECT_TRUE(fs::exists(folder / "cover.png"));
  EXPECT_TRUE(fs::exists(folder / "sample_input.tif"));
  EXPECT_TRUE(fs::exists(folder / "sample_output.tif"));
}

// A Keras HDF5 file (the DeepImageJ pancreatic U-Net) packaged from the bare .h5: content-detected as
// keras_hdf5, its whole-image min-max normalisation written as scale_range 0..100 %, and the test
// output build writes equals TensorFlow.js's probability map of the same image (SOURCE.txt).
TEST(Build, RealKerasUNetFromItsH5ReproducesTensorFlowJs) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const fs::path dir_in = realdata() / "unet2d_pancreatic_keras_dij";
  TempDir dir;
  const fs::path folder = dir / "pancreatic";
  std::vector<std::string> args = {
      "build", "--weights", (dir_in / "unet_pancreatic_cell_segmentation.h5").string(), "--example", (dir_in / "exampleImage.npy").string(),
      "--name", "Pancreatic U-Net (rebuilt)", "--description", "The DeepImageJ pancreatic cell U-Net, packaged from its Keras file.",
      "--author", "Ignacio Arganda-Carreras", "--license", "BSD-2-Clause", "--cite", "DeepImageJ. Nat Methods 2021; 10.1038/s41592-021-01262-9",
      "--input-id", "input", "--input-axes", "byxc", "--input-size", "y=576,x=720",
      "--preprocess", "scale_range:{\"axes\": [\"y\", \"x\"], \"min_percentile\": 0, \"max_percentile\": 100, \"eps\": 1e-6}",
      "--output-id", "probability", "--output-axes", "byxc", "-o", folder.string() + "/"};
  CliResult refused = run_cli(args);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("TensorFlow version"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(folder));
  args.insert(args.end(), {"--weights-version", "1.15", "--json"});
  CliResult r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["test"]["passed"], true);
  const ModelSpec spec = check_bundle_files(folder);
  EXPECT_EQ(spec.weights.at(0).format, "keras_hdf5");
  EXPECT_EQ(spec.weights.at(0).source, "weights.h5");
  const Tensor probability = io::read_npy(folder / "test_output.npy");
  EXPECT_LE(max_abs_diff(probability, io::read_npy(dir_in / "reference_probability_tfjs.npy")), kKerasUnetVsTfjsMaxAbs);
}

// Fixtures of scripts/ rebuilt from their weights with their own description reproduce their own test
// outputs (saved by PyTorch in scripts/make_*_models.py): a 2x super-resolution (output.size ref*2, written as axis scale 0.5) and a 3-D U-Net (z).
TEST(Build, ScriptFixturesRebuiltFromTheirOwnDescriptionReproduceTheirTestOutputs) {
  struct Case {
    fs::path model;
    std::vector<std::string> args;
  };
  const fs::path models = source_dir() / "tests/data/models";
  const std::vector<Case> cases = {
      {models / "geometry/superres2x_v05",
       {"--input-id", "raw", "--input-axes", "bcyx", "--input-size", "y=16/8,x=16/8", "--output-id", "out", "--output-axes", "bcyx",
        "--output-size", "y=ref*2,x=ref*2", "--halo", "y=2,x=2"}},
      {models / "unet3d_tiny",
       {"--input-id", "raw", "--input-axes", "bczyx", "--input-size", "z=28/4,y=28/4,x=28/4", "--preprocess",
        "zero_mean_unit_variance:{\"axes\": [\"z\", \"y\", \"x\"]}", "--output-id", "out", "--output-axes", "bczyx", "--halo",
        "z=12,y=12,x=12"}}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.model.string());
    TempDir dir;
    std::vector<std::string> args = {"build", "--weights", (c.model / "weights.pt").string(), "--example", (c.model / "test_input.npy").string(),
                                     "--name", "rebuilt", "--description", "a fixture rebuilt", "--author", "A. Tester", "--license", "MIT",
                                     "--cite", "fixture; https://bioimage.io", "-o", (dir / "m.zip").string()};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CliResult r = run_cli(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const ModelSpec spec = check_bundle_files(dir / "m.zip");
    const ModelSpec original = model::parse_rdf(slurp(c.model / "rdf.yaml"), "rdf.yaml");
    for (char a : {'y', 'x'}) {
      EXPECT_EQ(spec.outputs.at(0).axis(a)->scale, original.outputs.at(0).axis(a)->scale);
      EXPECT_EQ(spec.outputs[0].axis(a)->size.factor, original.outputs[0].axis(a)->size.factor);
    }
    const Tensor ours = entry_npy(model::Bundle::open(dir / "m.zip"), "test_output.npy");
    const Tensor expected = io::read_npy(c.model / "test_output.npy");
    ASSERT_EQ(ours.shape(), expected.shape());
    // LibTorch here vs the PyTorch that saved the fixture's output.
    EXPECT_LE(max_abs_diff(ours, expected), kTorchScriptVsPyTorchMaxAbs);
  }
}

// The Laplacian fixture from a build.yaml, a flag overriding it, a uint8 TIFF example.
struct LaplaceBuild {
  TempDir dir;
  Tensor image{DType::u8, {40, 30}, "yx"};
  LaplaceBuild() {
    std::mt19937 rng(7);
    for (std::int64_t i = 0; i < image.element_count(); ++i) image.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(rng() % 256);
    io::write_image({image, std::nullopt}, dir / "cells.tif");
    std::ofstream(dir / "build.yaml") << R"(weights: )" << (laplace() / "weights.pt").string() << R"(
example: cells.tif
name: from the yaml
description: A 3x3 Laplacian, packaged by deepimage build.
authors:
  - {name: Jane Doe, affiliation: Somewhere Institute, github: janedoe}
license: BSD-3-Clause
cite:
  - {text: "deepimage test fixture", url: "https://bioimage.io"}
tags: [laplace, test]
bundle: laplace.zip
input:
  id: raw
  axes: bcyx
  size: {y: 8/1, x: 8/1}
output:
  id: edges
  axes: bcyx
  halo: {y: 1, x: 1}
  postprocessing:
    - {id: clip, kwargs: {min: 0, max: 255}}
    - {id: ensure_dtype, kwargs: {dtype: uint8}}
)";
  }
};

TEST(Build, FromYamlWithAFlagOverridingItMatchesALaplacianComputedHere) {
  LaplaceBuild b;
  CliResult r = run_cli({"build", "--from", (b.dir / "build.yaml").string(), "--name", "Laplace from flags"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path zip = b.dir / "laplace.zip";
  const ModelSpec spec = check_bundle_files(zip);
  EXPECT_EQ(spec.name, "Laplace from flags");
  EXPECT_EQ(spec.license, "BSD-3-Clause");
  EXPECT_EQ(spec.authors.at(0).github_user, "janedoe");
  EXPECT_EQ(spec.cite.at(0).url, "https://bioimage.io");
  EXPECT_EQ(spec.inputs.at(0).data_type, DType::f32);  // what the network takes
  EXPECT_EQ(spec.inputs[0].axis('y')->size.kind, AxisSize::Kind::parameterized);
  EXPECT_EQ(spec.inputs[0].axis('y')->size.min, 8);
  EXPECT_EQ(spec.inputs[0].axis('y')->size.step, 1);
  EXPECT_EQ(spec.outputs.at(0).data_type, DType::u8);  // the last ensure_dtype's
  EXPECT_EQ(spec.outputs[0].axis('y')->halo, 1);

  const model::Bundle bundle = model::Bundle::open(zip);
  const Tensor out = entry_npy(bundle, "test_output.npy");
  ASSERT_EQ(out.shape(), (Shape{1, 1, 40, 30}));
  ASSERT_EQ(out.dtype(), DType::u8);
  const auto px = [&](std::int64_t y, std::int64_t x) { return static_cast<int>(b.image.data<std::uint8_t>()[y * 30 + x]); };
  for (std::int64_t y = 1; y < 39; ++y)
    for (std::int64_t x = 1; x < 29; ++x) {
      const int laplacian = 4 * px(y, x) - px(y - 1, x) - px(y + 1, x) - px(y, x - 1) - px(y, x + 1);
      ASSERT_EQ(static_cast<int>(out.data<std::uint8_t>()[y * 30 + x]), std::clamp(laplacian, 0, 255)) << y << "," << x;
    }
  const Tensor cover = io::read_image([&] {
    const auto bytes = bundle.read("cover.png");
    std::ofstream(b.dir / "c.png", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return b.dir / "c.png";
  }()).pixels;
  EXPECT_EQ(cover.shape(), (Shape{256, 2 * 192, 3}));  // 40x30 drawn at 256x192, twice

  const std::string readme = bundle.read_text("README.md");
  EXPECT_NE(readme.find("# Laplace from flags"), std::string::npos) << readme;
  EXPECT_NE(readme.find("Jane Doe"), std::string::npos);

  // The same request again refuses to replace the bundle, then replaces it with --overwrite.
  const std::string before = slurp(zip);
  CliResult again = run_cli({"build", "--from", (b.dir / "build.yaml").string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(line_count(again.err), 1) << again.err;
  EXPECT_NE(again.err.find("exists"), std::string::npos) << again.err;
  EXPECT_EQ(slurp(zip), before);
  CliResult replaced = run_cli({"build", "--from", (b.dir / "build.yaml").string(), "--overwrite"});
  EXPECT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_EQ(model::parse_rdf(model::Bundle::open(zip).read_text("rdf.yaml"), "rdf").name, "from the yaml");
}

// Each bad request: exit 1, one line naming the field and what was expected, and the folder as it was.
void expect_refused(const LaplaceBuild& b, std::vector<std::string> extra, const std::string& message) {
  std::vector<std::string> args = {"build", "--from", (b.dir / "build.yaml").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  const std::vector<std::string> before = entries(b.dir.path());
  CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  EXPECT_EQ(entries(b.dir.path()), before) << message;
}

TEST(Build, EachMissingOrInvalidFieldIsNamedAndLeavesNothing) {
  LaplaceBuild b;
  expect_refused(b, {"--weights", (b.dir / "nope.pt").string()}, "weights \"" + (b.dir / "nope.pt").string() + "\" is not a file");
  expect_refused(b, {"--input-axes", "bxy"}, "input.axes \"bxy\" has no channel axis; expected");
  expect_refused(b, {"--preprocess", "blur"}, "input.preprocessing[0] \"blur\" is not a known op; expected one of");
  expect_refused(b, {"--input-size", "y=64/16,x=8/1"},
                 "is 40 pixels along \"y\", which input.size.y \"64/16\" does not allow; expected 64 + n * 16");
  expect_refused(b, {"--input-size", "y=32/16,x=8/1"}, "(nearest: 32 or 48");
  // One rule alone applies to every axis but b and c (y first).
  expect_refused(b, {"--input-size", "32/16"}, "is 40 pixels along \"y\", which input.size.y \"32/16\" does not allow");
  expect_refused(b, {"--license", "Beerware-ish"}, "license \"Beerware-ish\" is not an SPDX license id");
  expect_refused(b, {"--name", ""}, "name is missing; expected");
  expect_refused(b, {"--output-id", "Edge Map"}, "output.id \"Edge Map\" is not a lower-case identifier; expected");
  expect_refused(b, {"--output-channels", "edges,more"}, "output.channel_names has 2 names but the network gives 1 channels");
  expect_refused(b, {"--weights-format", "onnx"}, "weights_format \"onnx\" does not match");
  expect_refused(b, {"--output-size", "y=ref*2"}, "output.size.y \"ref*2\" makes it 80; expected a rule that gives 40");
  expect_refused(b, {"--output-size", "ref*2"}, "output.size.y \"ref*2\" makes it 80; expected a rule that gives 40");
  expect_refused(b, {"--postprocess", "clip:{\"min\": 0"}, "are not valid JSON");
  // A halo smaller than the network's receptive field: the tiled test differs at the seams.
  expect_refused(b, {"--halo", "y=0,x=0"}, "the bundle fails its own test");
  fs::create_directory(b.dir / "taken");
  expect_refused(b, {"-o", (b.dir / "taken").string() + "/"}, "output \"" + (b.dir / "taken").string() + "\" exists");
}

}  // namespace
}  // namespace deepimage::testing
