// ONNX weights on the native engine end to end through the CLI: real bundles reproduce their authors'
// test outputs with `--weights onnx`, the opset-9 export matches ONNX Runtime's saved output, the
// multi-tensor export's folded crop arithmetic runs, and what the importer cannot read fails with one
// line naming the operator, the node and the file.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

nlohmann::json test_onnx(const std::filesystem::path& model, int expected_exit) {
  CliResult r = run_cli({"test", model.string(), "--weights", "onnx", "--json", "--threads", "2"});
  EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
  return nlohmann::json::parse(r.out, nullptr, false);
}


// unet2d_multi_tensor's ONNX was removed from its current rdf (SOURCE.txt); its 0.4 rdf lives in
// onnx_removed_2024/ while the test tensors it names stay one folder up. A temporary bundle of copies
// joins them (not links: a folder bundle refuses entries that lead outside it).
void link_multi_tensor_onnx_bundle(const std::filesystem::path& dir) {
  const auto m = realdata() / "unet2d_multi_tensor";
  for (const char* f : {"v0_4.bioimageio.yaml", "weights.onnx", "weights-torchscript.pt"})
    std::filesystem::copy_file(m / "onnx_removed_2024" / f, dir / f);
  for (const char* f : {"test_input_0.npy", "test_input_1.npy", "test_output_0.npy", "test_output_1.npy"})
    std::filesystem::copy_file(m / f, dir / f);
}

TEST(OnnxEngine, NucleiBroadRdf05Passes) {
  DEEPIMAGE_REQUIRE_REALDATA();
  auto j = test_onnx(realdata() / "unet2d_nuclei_broad", 0);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_TRUE(j["passed"].get<bool>());
  EXPECT_EQ(j["weights_format"], "onnx");
  EXPECT_LT(j["outputs"][0]["max_abs_diff"].get<double>(), 1e-4);
}

TEST(OnnxEngine, NucleiBroadRdf04Passes) {
  DEEPIMAGE_REQUIRE_REALDATA();
  auto j = test_onnx(realdata() / "unet2d_nuclei_broad" / "v0_4_9.bioimageio.yaml", 0);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_TRUE(j["passed"].get<bool>());
  EXPECT_EQ(j["weights_format"], "onnx");
}

TEST(OnnxEngine, Export2021WithDoubleSigmoidFailsWithNumbers) {
  DEEPIMAGE_REQUIRE_REALDATA();
  auto j = test_onnx(realdata() / "unet2d_nuclei_broad_2021export", 3);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_FALSE(j["passed"].get<bool>());
  EXPECT_EQ(j["weights_format"], "onnx");
  // sigmoid(sigmoid(x)) lies in [0.5, 0.73] while the expected probabilities reach 0.
  EXPECT_GT(j["outputs"][0]["max_abs_diff"].get<double>(), 0.4);
}

TEST(OnnxEngine, Opset9LinearUpsampleMatchesOnnxRuntime) {
  // The opset-9 Upsample "linear" uses asymmetric coordinates (the spec, which OpenCV DNN 4.6 did not
  // follow): the CLI's output equals ONNX Runtime 1.30's saved one on the same input. `--halo 0` makes
  // the fixed 512x512 model run the 512x512 image as one tile, as the reference did (with the rdf's
  // 32-pixel halo it would be 4 mirror-padded tiles, which differ from one whole tile near the seams).
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto m = realdata() / "unet2d_nuclei_broad_tiktorch_opset9";
  TempDir dir;
  CliResult r = run_cli({"run", (m / "UNet2DNucleiBroad.model.yaml").string(), (m / "test_input.npy").string(), "-o",
                         (dir / "out.npy").string(), "--weights", "onnx", "--halo", "y=0,x=0", "--threads", "2", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("Upsample"), std::string::npos) << r.err;  // no warning about the engine's Upsample
  EXPECT_LT(max_abs_diff(io::read_npy(dir / "out.npy"), io::read_npy(m / "reference_output_onnxruntime-1.30.0.npy")),
            kNativeVsOnnxRuntimeMaxAbs);
}

TEST(OnnxEngine, MultiTensorOnnxReproducesItsOutputs) {
  // The export's crop arithmetic (Shape -> Gather -> Sub -> Slice) folds once the tile shape is known.
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  link_multi_tensor_onnx_bundle(dir.path());
  // `test` fails on its tiled half only (the rdf declares no halo for a U-Net), for both engines; the
  // engine on the test inputs as given reproduces both outputs.
  for (const char* weights : {"onnx", "torchscript"}) {
    CliResult r = run_cli({"test", (dir / "v0_4.bioimageio.yaml").string(), "--weights", weights, "--threads", "2", "--json"});
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    const auto j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.out;
    ASSERT_EQ(j["outputs"].size(), 2u);
    for (const auto& o : j["outputs"]) {
      EXPECT_TRUE(o["passed"].get<bool>()) << weights << " " << o.dump();
      EXPECT_LT(o["max_abs_diff"].get<double>(), kMultiTensorMaxAbs) << weights;
    }
  }
  CliResult info = run_cli({"info", (dir / "v0_4.bioimageio.yaml").string(), "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const nlohmann::json described = nlohmann::json::parse(info.out);  // named: see InfoSaysBothWeightsRunHere
  // The onnx and torchscript weights run here; the bundle's pytorch_state_dict never does (it needs
  // Python and the model's source), and says so.
  int runnable = 0;
  for (const auto& w : described.at("weights")) {
    const std::string format = w.at("format").get<std::string>();
    if (format == "onnx" || format == "torchscript") {
      EXPECT_TRUE(w.at("runs_here").get<bool>()) << w.dump();
      ++runnable;
    } else {
      EXPECT_FALSE(w.at("runs_here").get<bool>()) << w.dump();
      EXPECT_FALSE(w.value("why_not", "").empty()) << w.dump();
    }
  }
  EXPECT_EQ(runnable, 2) << described.dump();
}

TEST(OnnxEngine, UnknownOperatorGivesOneLineNamingItAndTheFile) {
  CliResult r = run_cli({"test", (source_dir() / "tests/data/models/hardmax_onnx").string(), "--threads", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("hardmax.onnx"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("operator \"Hardmax\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"row_argmax\""), std::string::npos) << r.err;
}

TEST(OnnxEngine, EnginesListsTheNativeEngineAndItsFormat) {
  CliResult r = run_cli({"engines", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto engines = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& e : engines)
    if (e["name"] == "native") {
      found = true;
      // onnx first (preferred), then the formats the other importers read (keras_hdf5, ...).
      ASSERT_FALSE(e["weight_formats"].empty());
      EXPECT_EQ(e["weight_formats"][0], "onnx");
      const auto& formats = e["weight_formats"];
      EXPECT_NE(std::find(formats.begin(), formats.end(), "keras_hdf5"), formats.end()) << e.dump();
      EXPECT_TRUE(e["library"].get<std::string>().starts_with("deepimage graph engine on oneDNN 2.")) << e.dump();
    }
  EXPECT_TRUE(found) << r.out;
  CliResult text = run_cli({"engines"});
  EXPECT_NE(text.out.find("oneDNN"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("OpenCV"), std::string::npos) << text.out;
}

TEST(OnnxEngine, InfoSaysBothWeightsRunHere) {
  CliResult r = run_cli({"info", (source_dir() / "examples" / "nuclei_unet2d").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("onnx  weights.onnx  runs here: yes (deepimage graph engine"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("torchscript  weights.pt  runs here: yes (LibTorch"), std::string::npos) << r.out;
  CliResult j = run_cli({"info", (source_dir() / "examples" / "nuclei_unet2d").string(), "--json"});
  ASSERT_EQ(j.exit_code, 0);
  // Named: a range-for over a member of parse()'s temporary reads it after it is destroyed (ASan).
  const nlohmann::json info = nlohmann::json::parse(j.out);
  for (const auto& w : info.at("weights")) EXPECT_TRUE(w.at("runs_here").get<bool>()) << w.dump();
}

}  // namespace
}  // namespace deepimage::testing
