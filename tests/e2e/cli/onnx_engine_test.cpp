// The onnx engine (OpenCV DNN) end to end through the CLI: real bundles reproduce their authors'
// test outputs with `--weights onnx`, a known deviation from another ONNX runtime stays recorded, and
// what OpenCV cannot import fails with one line naming the operator or node and the file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"

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

TEST(OnnxEngine, Opset9LinearUpsampleDeviatesFromOnnxRuntime) {
  // A recorded limitation, not a goal: OpenCV DNN 4.6 computes the opset-9 Upsample "linear" of this
  // export differently from the ONNX spec (asymmetric coordinates, what onnxruntime 1.30 returns in
  // reference_output_onnxruntime-1.30.0.npy) and from the PyTorch original. docs/engines.md warns
  // about it; when OpenCV is fixed this test fails, and the docs and this test change together.
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto m = realdata() / "unet2d_nuclei_broad_tiktorch_opset9";
  TempDir dir;
  CliResult r = run_cli({"run", (m / "UNet2DNucleiBroad.model.yaml").string(), (m / "test_input.npy").string(), "-o",
                         (dir / "out.npy").string(), "--weights", "onnx", "--threads", "2", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The user is told: the run goes on, with a warning naming the node.
  EXPECT_NE(r.err.find("warning: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("computes Upsample in mode linear (nodes \"Upsample_15\", \"Upsample_21\", \"Upsample_27\") differently "
                       "from the ONNX specification"),
            std::string::npos)
      << r.err;
  // Measured: max |diff| 0.25, mean 1.9e-3 (a correct runtime gives ~1e-6).
  EXPECT_GT(max_abs_diff(io::read_npy(dir / "out.npy"), io::read_npy(m / "reference_output_onnxruntime-1.30.0.npy")),
            0.1);
}

TEST(OnnxEngine, MultiTensorOnnxIsRefusedNamingTheNode) {
  // OpenCV DNN 4.6 cannot fold this export's Shape -> Gather -> Sub crop arithmetic (ONNX Runtime runs
  // it, SOURCE.txt): the honest result is a one-line error naming the node and the file.
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  link_multi_tensor_onnx_bundle(dir.path());
  CliResult r = run_cli({"test", (dir / "v0_4.bioimageio.yaml").string(), "--weights", "onnx", "--threads", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("weights.onnx"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"Sub_79\""), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("modules/dnn"), std::string::npos) << r.err;  // no OpenCV source paths
  // `info` loads each weights file, so it says so too, with the reason.
  CliResult info = run_cli({"info", (dir / "v0_4.bioimageio.yaml").string(), "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  for (const auto& w : nlohmann::json::parse(info.out)["weights"]) {
    EXPECT_EQ(w["runs_here"].get<bool>(), w["format"] != "onnx") << w.dump();
    if (w["format"] == "onnx") {
      EXPECT_NE(w["why_not"].get<std::string>().find("\"Sub_79\""), std::string::npos) << w.dump();
    }
  }
  // The same 0.4 bundle's TorchScript engine reproduces the outputs: the weights are fine, the engine
  // is not. (`test` still fails, on its tiled half: the rdf declares no halo for a U-Net.)
  CliResult torch = run_cli({"test", (dir / "v0_4.bioimageio.yaml").string(), "--weights", "torchscript", "--threads", "2", "--json"});
  EXPECT_EQ(torch.exit_code, 3) << torch.out << torch.err;
  const auto j = nlohmann::json::parse(torch.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << torch.out;
  for (const auto& o : j["outputs"]) EXPECT_TRUE(o["passed"].get<bool>()) << o.dump();
}

TEST(OnnxEngine, UnknownOperatorGivesOneLineNamingItAndTheFile) {
  CliResult r = run_cli({"test", (source_dir() / "tests/data/models/hardmax_onnx").string(), "--threads", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("hardmax.onnx"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("operator \"Hardmax\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"row_argmax\""), std::string::npos) << r.err;
}

TEST(OnnxEngine, EnginesListsOpenCvAndItsFormat) {
  CliResult r = run_cli({"engines", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto engines = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& e : engines)
    if (e["name"] == "onnx") {
      found = true;
      EXPECT_EQ(e["weight_formats"], nlohmann::json::array({"onnx"}));
      EXPECT_TRUE(e["library"].get<std::string>().starts_with("OpenCV DNN 4.")) << e.dump();
    }
  EXPECT_TRUE(found) << r.out;
  CliResult text = run_cli({"engines"});
  EXPECT_NE(text.out.find("OpenCV DNN"), std::string::npos) << text.out;
}

TEST(OnnxEngine, InfoSaysBothWeightsRunHere) {
  CliResult r = run_cli({"info", (source_dir() / "examples" / "nuclei_unet2d").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("onnx  weights.onnx  runs here: yes (OpenCV DNN"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("torchscript  weights.pt  runs here: yes (LibTorch"), std::string::npos) << r.out;
  CliResult j = run_cli({"info", (source_dir() / "examples" / "nuclei_unet2d").string(), "--json"});
  ASSERT_EQ(j.exit_code, 0);
  for (const auto& w : nlohmann::json::parse(j.out)["weights"]) EXPECT_TRUE(w["runs_here"].get<bool>()) << w.dump();
}

}  // namespace
}  // namespace deepimage::testing
