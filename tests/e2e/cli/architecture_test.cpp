// `deepimage info MODEL --architecture`: layers, output shapes, parameters and FLOPs, checked against
// tests/data/architecture/*.json, which scripts/make_architecture_reference.py computed in PyTorch
// eager mode (forward hooks for the shapes, sum(p.numel()) for parameters, hand-computed convolution
// FLOPs), and the ONNX engine against the same references on the same networks' ONNX exports.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "io/npy.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

json reference(const std::string& name) { return json::parse(slurp(source_dir() / "tests/data/architecture" / (name + ".json"))); }

json architecture(const fs::path& model, const std::string& weights) {
  const CliResult r = run_cli({"info", model.string(), "--architecture", "--weights", weights, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? json::parse(r.out) : json::object();
}

// The rows that are module calls (operator rows such as aten::cat are not in the eager reference).
json module_rows(const json& a) {
  json rows = json::array();
  for (const auto& l : a["layers"])
    if (!l["kind"].get<std::string>().starts_with("aten::")) rows.push_back(l);
  return rows;
}

json rows_of_kind(const json& a, const std::string& kind) {
  json rows = json::array();
  for (const auto& l : a["layers"])
    if (l["kind"] == kind) rows.push_back(l);
  return rows;
}

void expect_torchscript_matches(const fs::path& model, const std::string& name) {
  const json ref = reference(name), a = architecture(model, "torchscript");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a["view"], "modules");
  EXPECT_EQ(a["input_shape"], ref["input_shapes"][0]);
  const json rows = module_rows(a), expected = ref["leaf_module_calls"];
  ASSERT_EQ(rows.size(), expected.size()) << rows.dump();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(expected[i].dump());
    EXPECT_EQ(rows[i]["name"], expected[i]["name"]);
    EXPECT_EQ(rows[i]["kind"], expected[i]["kind"]);
    EXPECT_EQ(rows[i]["output_shapes"], json::array({expected[i]["output_shape"]}));
    EXPECT_EQ(rows[i]["params"], expected[i]["params"]);
    EXPECT_EQ(rows[i]["flops"], expected[i]["flops"]);
  }
  EXPECT_EQ(a["total_params"], ref["total_params"]);
  EXPECT_EQ(a["total_flops"], ref["total_flops"]);
}

// The ONNX export of the same network: the same convolutions in the same order with the same output
// shapes and FLOPs, and the same parameter total.
void expect_onnx_matches(const fs::path& model, const std::string& name) {
  const json ref = reference(name), a = architecture(model, "onnx");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a["view"], "nodes");
  json expected_convs = json::array();
  for (const auto& r : ref["leaf_module_calls"])
    if (r["kind"] == "Conv2d") expected_convs.push_back(r);
  const json convs = rows_of_kind(a, "Conv");
  ASSERT_EQ(convs.size(), expected_convs.size());
  for (std::size_t i = 0; i < convs.size(); ++i) {
    SCOPED_TRACE(expected_convs[i].dump());
    EXPECT_EQ(convs[i]["output_shapes"], json::array({expected_convs[i]["output_shape"]}));
    EXPECT_EQ(convs[i]["params"], expected_convs[i]["params"]);
    EXPECT_EQ(convs[i]["flops"], expected_convs[i]["flops"]);
  }
  EXPECT_EQ(a["total_params"], ref["total_params"]);
  EXPECT_EQ(a["total_flops"], ref["total_flops"]);
  EXPECT_EQ(a["layers"].back()["output_shapes"][0], ref["leaf_module_calls"].back()["output_shape"]);
}

TEST(Architecture, TorchScriptOneConvolutionMatchesHandComputedFlops) {
  expect_torchscript_matches(source_dir() / "tests/data/models/laplace2d_tiny", "laplace2d_tiny");
  // 2 FLOPs x 9 weights x 16 x 16 output pixels, written out so the formula itself is checked too.
  const json a = architecture(source_dir() / "tests/data/models/laplace2d_tiny", "torchscript");
  ASSERT_EQ(a["layers"].size(), 1u);
  EXPECT_EQ(a["layers"][0]["flops"], 2 * 9 * 16 * 16);
}

TEST(Architecture, TorchScript3dUNetListsEachCallOfASharedModule) {
  const fs::path model = source_dir() / "tests/data/models/unet3d_tiny";
  expect_torchscript_matches(model, "unet3d_tiny");
  const json a = architecture(model, "torchscript");
  // forward() calls self.pool and self.up twice each, and torch.cat twice (scripts/make_test_models.py).
  EXPECT_EQ(rows_of_kind(a, "MaxPool3d").size(), 2u);
  EXPECT_EQ(rows_of_kind(a, "Upsample").size(), 2u);
  const json cats = rows_of_kind(a, "aten::cat");
  ASSERT_EQ(cats.size(), 2u);
  EXPECT_EQ(cats[0]["output_shapes"][0], json::parse("[1, 16, 14, 14, 14]"));  // up(bottom) 8 + s1 8
  EXPECT_EQ(cats[1]["output_shapes"][0], json::parse("[1, 12, 28, 28, 28]"));  // up(dec1) 8 + s0 4
}

TEST(Architecture, GroupedTransposedAndLinearLayersInBothFormats) {
  const fs::path model = source_dir() / "tests/data/architecture/grouped_transposed_linear_tiny";
  expect_torchscript_matches(model, "grouped_transposed_linear_tiny");
  const json ref = reference("grouped_transposed_linear_tiny")["leaf_module_calls"];
  const json onnx = architecture(model, "onnx");
  ASSERT_FALSE(onnx.empty());
  // The exporter writes Linear over the channels as MatMul (the weight) then Add (the bias).
  const json convs = rows_of_kind(onnx, "Conv"), up = rows_of_kind(onnx, "ConvTranspose"), matmul = rows_of_kind(onnx, "MatMul");
  ASSERT_EQ(convs.size(), 2u);
  ASSERT_EQ(up.size(), 1u);
  ASSERT_EQ(matmul.size(), 1u);
  EXPECT_EQ(convs[0]["flops"], ref[0]["flops"]);
  EXPECT_EQ(convs[1]["flops"], ref[1]["flops"]);  // 2 groups: half the multiply-adds of a plain 4->4
  EXPECT_EQ(up[0]["flops"], ref[2]["flops"]);
  EXPECT_EQ(up[0]["output_shapes"][0], ref[2]["output_shape"]);
  EXPECT_EQ(matmul[0]["flops"], ref[3]["flops"]);
  EXPECT_EQ(matmul[0]["output_shapes"][0], ref[3]["output_shape"]);
  EXPECT_EQ(onnx["total_params"], reference("grouped_transposed_linear_tiny")["total_params"]);
  EXPECT_EQ(onnx["total_flops"], reference("grouped_transposed_linear_tiny")["total_flops"]);
}

TEST(Architecture, ExampleModelAgreesInBothFormats) {
  const fs::path model = source_dir() / "examples/nuclei_unet2d";
  expect_torchscript_matches(model, "nuclei_unet2d");
  expect_onnx_matches(model, "nuclei_unet2d");
}

TEST(Architecture, RealUNetAgreesInBothFormatsAndEveryExport) {
  DEEPIMAGE_REQUIRE_REALDATA();
  expect_torchscript_matches(realdata() / "unet2d_nuclei_broad", "unet2d_nuclei_broad");
  expect_onnx_matches(realdata() / "unet2d_nuclei_broad", "unet2d_nuclei_broad");  // opset 20, Resize
  // The same network exported in 2021 (opset 12, Resize scales as initializers, a final Sigmoid) and
  // for ilastik (opset 9, Upsample): the scales are settings, not parameters.
  expect_onnx_matches(realdata() / "unet2d_nuclei_broad_2021export", "unet2d_nuclei_broad");
  const json opset9 = architecture(realdata() / "unet2d_nuclei_broad_tiktorch_opset9/UNet2DNucleiBroad.model.yaml", "onnx");
  EXPECT_EQ(opset9["total_params"], reference("unet2d_nuclei_broad")["total_params"]);
  EXPECT_EQ(opset9["total_flops"], reference("unet2d_nuclei_broad")["total_flops"]);
  EXPECT_EQ(rows_of_kind(opset9, "Upsample").size(), 3u);
}

TEST(Architecture, TracedModelWithTwoInputsAndTwoOutputs) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const json ref = reference("unet2d_multi_tensor");
  const json a = architecture(realdata() / "unet2d_multi_tensor", "torchscript");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a["inputs"].size(), 2u);
  EXPECT_EQ(a["inputs"][0]["shape"], ref["input_shapes"][0]);
  EXPECT_EQ(a["inputs"][1]["shape"], ref["input_shapes"][1]);
  EXPECT_EQ(a["total_params"], ref["total_params"]);
  EXPECT_EQ(rows_of_kind(a, "Conv2d").size(), ref["conv_modules"].get<std::size_t>());
  std::int64_t params = 0, flops = 0;
  for (const auto& l : a["layers"]) {
    params += l["params"].get<std::int64_t>();
    flops += l["flops"].get<std::int64_t>();
    // The traced size arithmetic (aten::size, sub, floor_divide on scalars) is not listed.
    for (const auto& s : l["output_shapes"]) EXPECT_FALSE(s.empty()) << l.dump();
  }
  EXPECT_EQ(params, ref["total_params"]);  // no parameter is shared, so the rows add up to the total
  EXPECT_EQ(flops, a["total_flops"]);
  EXPECT_GT(flops, 0);
}

TEST(Architecture, WithoutTestTensorsTheSmallestAcceptedSizeIsTheExample) {
  TempDir dir;
  fs::copy(source_dir() / "tests/data/models/laplace2d_tiny", dir / "model", fs::copy_options::recursive);
  const std::string rdf = slurp(dir / "model/rdf.yaml");
  const std::string without = std::regex_replace(rdf, std::regex("    test_tensor:\n      source: [^\n]*\n      sha256: [^\n]*\n"), "");
  ASSERT_EQ(without.find("test_tensor"), std::string::npos);
  std::ofstream(dir / "model/rdf.yaml") << without;
  const json a = architecture(dir / "model", "torchscript");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a["input_shape"], json::parse("[1, 1, 8, 8]"));  // the rdf's y and x: min 8, step 1
  ASSERT_EQ(a["layers"].size(), 1u);
  EXPECT_EQ(a["layers"][0]["output_shapes"][0], json::parse("[1, 1, 8, 8]"));
  EXPECT_EQ(a["total_flops"], 2 * 9 * 8 * 8);
}

TEST(Architecture, ModelWithoutSubmodulesListsTheOperatorsThatRan) {
  // forward: F.interpolate(box(x), scale_factor=2, mode="nearest"); interpolate's other modes are
  // branches not taken, so they are not rows.
  const fs::path model = source_dir() / "tests/data/models/geometry/superres2x_v05";
  const json a = architecture(model, "torchscript");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a["view"], "operators");
  ASSERT_EQ(a["layers"].size(), 2u) << a["layers"].dump();
  EXPECT_EQ(a["layers"][0]["kind"], "aten::avg_pool2d");
  EXPECT_EQ(a["layers"][1]["kind"], "aten::upsample_nearest2d");
  const std::vector<std::byte> bytes = [&] {
    const std::string s = slurp(model / "test_output.npy");
    return std::vector<std::byte>(reinterpret_cast<const std::byte*>(s.data()), reinterpret_cast<const std::byte*>(s.data() + s.size()));
  }();
  const Shape expected = io::read_npy_header(bytes, "test_output.npy").shape;
  EXPECT_EQ(a["layers"][1]["output_shapes"][0].get<Shape>(), expected);
  EXPECT_EQ(a["total_params"], 0);
  EXPECT_EQ(a["total_flops"], 0);
}

TEST(Architecture, TextTableShowsRowsAndTotals) {
  const CliResult r = run_cli({"info", (source_dir() / "examples/nuclei_unet2d").string(), "--architecture",
                               "--weights", "torchscript"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Layer (kind)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("enc0.0 (Conv2d)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(1, 8, 256, 256)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Total params: 66,545"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Total FLOPs: 1,105,199,104"), std::string::npos) << r.out;
}

TEST(Architecture, BadRequestsFailWithOneLine) {
  const fs::path model = source_dir() / "tests/data/models/laplace2d_tiny";
  const CliResult no_onnx = run_cli({"info", model.string(), "--architecture", "--weights", "onnx"});
  EXPECT_EQ(no_onnx.exit_code, 1);
  EXPECT_EQ(line_count(no_onnx.err), 1) << no_onnx.err;
  EXPECT_NE(no_onnx.err.find("no \"onnx\" weights"), std::string::npos) << no_onnx.err;
  const CliResult weights_alone = run_cli({"info", model.string(), "--weights", "torchscript"});
  EXPECT_EQ(weights_alone.exit_code, 2) << weights_alone.err;
}

}  // namespace
}  // namespace deepimage::testing
