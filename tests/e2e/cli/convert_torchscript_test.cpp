// deepimage convert --to torchscript: weights the native engine reads (ONNX, TF SavedModel; Keras in
// tests/unit/engine/native/torchscript_export_real_models_test.cpp) written as a TorchScript .pt into
// a copy of the bundle. The copy's `test --weights torchscript` gives the verdict the source weights
// give (the bundles' own test outputs are the reference), and PyTorch's own torch.jit.load runs the
// file to deepimage's native output. Bad requests fail in one line and leave nothing behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e/cli/defcon_test_bundle.hpp"
#include "io/npy.hpp"
#include "io/tiff.hpp"
#include "support/cli.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> entries(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(folder)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// unet2d_nuclei_broad without its TorchScript weights: its ONNX file (opset 20) and test tensors.
fs::path nuclei_broad_onnx_only(const TempDir& dir) {
  const fs::path source = realdata() / "unet2d_nuclei_broad", bundle = dir / "nuclei_onnx";
  fs::create_directories(bundle);
  for (const char* f : {"README.md", "weights.onnx", "test_input.npy", "test_output.npy", "test_input.png", "test_output.png"})
    fs::copy_file(source / f, bundle / f);
  std::string rdf = slurp(source / "bioimageio.yaml");
  const std::size_t begin = rdf.find("\n  torchscript:");  // the file has CRLF line ends
  std::size_t end = rdf.find('\n', begin + 1);
  while (end != std::string::npos && rdf.compare(end + 1, 4, "    ") == 0) end = rdf.find('\n', end + 1);
  rdf.erase(begin, end == std::string::npos ? std::string::npos : end - begin);
  std::ofstream(bundle / "bioimageio.yaml") << rdf;
  return bundle;
}

TEST(ConvertTorchScript, OnnxBundleBecomesATorchScriptBundleThatPassesItsTest) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const fs::path source = nuclei_broad_onnx_only(dir);
  ASSERT_EQ(slurp(source / "bioimageio.yaml").find("torchscript"), std::string::npos);
  const CliResult r =
      run_cli({"convert", source.string(), "--to", "torchscript", "-o", (dir / "ts").string(), "--json", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out << r.err;
  EXPECT_EQ(j["from"], "onnx");
  EXPECT_EQ(j["weights"], "weights.pt");
  // The copy's test ran on the torchscript engine with the new weights, whole and tiled.
  EXPECT_EQ(j["test"]["weights_format"], "torchscript");
  EXPECT_TRUE(j["test"]["passed"].get<bool>()) << r.out;
  EXPECT_LT(j["test"]["outputs"][0]["max_abs_diff"].get<double>(), 1e-4) << r.out;
  EXPECT_TRUE(fs::exists(dir / "ts" / "weights.pt"));
  const std::string rdf = slurp(dir / "ts" / "rdf.yaml");
  EXPECT_NE(rdf.find("source: weights.pt"), std::string::npos) << rdf;
  EXPECT_NE(rdf.find("parent: onnx"), std::string::npos) << rdf;
  EXPECT_NE(rdf.find("pytorch_version:"), std::string::npos) << rdf;
}

// DEFCoN's SavedModel folder in a bundle with an rdf written here (make_defcon_bundle):
// input_tensor (b, y, x, c) of multiples of 4, output_tensor of the same shape; test tensors frame 1
// of the DeepImageJ test stack and its TensorFlow.js density.
fs::path defcon_bundle(const TempDir& dir) {
  const fs::path bundle = dir / "defcon", data = realdata() / "defcon_imagej_savedmodel";
  fs::create_directories(bundle);
  const Tensor frames = io::read_tiff(data / "test_data.tif").pixels.converted(DType::f32);
  const Tensor reference = io::read_npy(data / "reference_density_tfjs_nodropout.npy");
  Tensor frame(DType::f32, {1, 32, 32, 1}), density(DType::f32, {1, 32, 32, 1});
  std::copy(frames.data<float>(), frames.data<float>() + 1024, frame.data<float>());
  std::copy(reference.data<float>(), reference.data<float>() + 1024, density.data<float>());
  make_defcon_bundle(bundle, frame, density);
  return bundle;
}

TEST(ConvertTorchScript, TfSavedModelConvertedRunsInPyTorchAsInTheNativeEngine) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const fs::path source = defcon_bundle(dir), converted = dir / "defcon_ts";
  // The TorchScript weights reproduce the reference density on the whole frame (the test's first half).
  // The tiled half fails as it does for the SavedModel (tf_saved_model_test.cpp): DEFCoN normalises each
  // input by its own min and max inside the graph, so a tile sees other values than the whole frame.
  const CliResult r = run_cli({"convert", source.string(), "--to", "torchscript", "-o", converted.string(), "--json", "--threads", "2"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out << r.err;
  EXPECT_EQ(j["from"], "tensorflow_saved_model_bundle");
  EXPECT_EQ(j["test"]["weights_format"], "torchscript");
  EXPECT_TRUE(j["test"]["outputs"][0]["passed"].get<bool>()) << r.out;
  EXPECT_LT(j["test"]["outputs"][0]["max_abs_diff"].get<double>(), 1e-4);
  EXPECT_FALSE(j["test"]["tiled"]["outputs"][0]["passed"].get<bool>());

  // PyTorch itself loads the file and gives, frame by frame, what the native engine gives from the SavedModel.
  if (std::system("/usr/bin/python3 -c 'import torch, numpy' 2>/dev/null") != 0)
    GTEST_SKIP() << "/usr/bin/python3 with torch and numpy is not installed";
  const fs::path stack = realdata() / "defcon_imagej_savedmodel" / "test_data.tif";
  const CliResult native = run_cli({"run", source.string(), stack.string(), "--axes", "byx", "--weights",
                                    "tensorflow_saved_model_bundle", "-o", (dir / "native.npy").string(), "--threads", "2"});
  ASSERT_EQ(native.exit_code, 0) << native.err;
  const Tensor frames = io::read_tiff(stack).pixels.converted(DType::f32);
  io::write_npy(frames, dir / "frames.npy");
  const std::string check =
      "import sys, numpy, torch\n"
      "m = torch.jit.load(sys.argv[1])\n"
      "frames = numpy.load(sys.argv[2])\n"
      "out = numpy.stack([m(torch.from_numpy(f[None, :, :, None].copy())).numpy()[0, :, :, 0] for f in frames])\n"
      "native = numpy.load(sys.argv[3]).reshape(out.shape)\n"
      "print(float(numpy.abs(out - native).max()))\n";
  const fs::path result = dir / "python_diff.txt";
  const std::string cmd = "/usr/bin/python3 -c " + shell_quote(check) + " " + shell_quote((converted / "weights.pt").string()) + " " +
                          shell_quote((dir / "frames.npy").string()) + " " + shell_quote((dir / "native.npy").string()) + " > " +
                          shell_quote(result.string());
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const double diff = std::stod(slurp(result));
  EXPECT_LE(diff, kConvertedTorchScriptVsNativeMaxAbs);
}

// unet2d_multi_tensor's opset-12 ONNX file (onnx_removed_2024/, its rdf without the TorchScript entry):
// two inputs, two outputs, crops computed from the inputs' shapes at run time.
TEST(ConvertTorchScript, MultiTensorOnnxGivesBothOutputsInTheRdfsOrder) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const fs::path data = realdata() / "unet2d_multi_tensor", bundle = dir / "multi";
  fs::create_directories(bundle);
  for (const char* f : {"test_input_0.npy", "test_input_1.npy", "test_output_0.npy", "test_output_1.npy"}) fs::copy_file(data / f, bundle / f);
  fs::copy_file(data / "onnx_removed_2024" / "weights.onnx", bundle / "weights.onnx");
  std::string rdf = slurp(data / "onnx_removed_2024" / "v0_4.bioimageio.yaml");
  const std::size_t begin = rdf.find("  torchscript:\n"), end = rdf.find("  pytorch_state_dict:\n");
  ASSERT_LT(begin, end);
  rdf.erase(begin, end - begin);
  std::ofstream(bundle / "rdf.yaml") << rdf;
  // Each output matches its own test tensor on the whole image. The tiled half of `test` fails as it does
  // for the ONNX weights: the rdf declares no halo for this U-Net.
  const CliResult r = run_cli({"convert", bundle.string(), "--to", "torchscript", "-o", (dir / "ts").string(), "--json", "--threads", "2"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out << r.err;
  EXPECT_EQ(j["test"]["weights_format"], "torchscript");
  ASSERT_EQ(j["test"]["outputs"].size(), 2u) << r.out;
  for (int k = 0; k < 2; ++k) {
    EXPECT_TRUE(j["test"]["outputs"][k]["passed"].get<bool>()) << r.out;
    EXPECT_LE(j["test"]["outputs"][k]["max_abs_diff"].get<double>(), kMultiTensorMaxAbs) << r.out;
  }
}

TEST(ConvertTorchScript, RefusesInOneLineAndWritesNothing) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir tmp;
  // Already TorchScript.
  CliResult r = run_cli({"convert", (realdata() / "unet2d_nuclei_broad").string(), "--to", "torchscript", "-o", (tmp / "a").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("already has \"torchscript\" weights"), std::string::npos) << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  // An operator the converter cannot write (a cubic Resize, which the native engine runs).
  r = run_cli({"convert", (source_dir() / "tests/data/models/resize_cubic_onnx").string(), "--to", "torchscript", "-o",
               (tmp / "b").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Resize node \"bicubic_upsampling\" has mode \"cubic\""), std::string::npos) << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  // An unknown target names the ones there are.
  r = run_cli({"convert", (source_dir() / "tests/data/models/resize_cubic_onnx").string(), "--to", "tensorflow_js", "-o",
               (tmp / "c").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("torchscript"), std::string::npos) << r.err;
  EXPECT_TRUE(entries(tmp.path()).empty()) << "left behind: " << entries(tmp.path()).front();
}

}  // namespace
}  // namespace deepimage::testing
