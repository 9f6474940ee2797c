// rdf parsing of the real bundles in ../shared/realdata (values checked by reading their yaml) and
// of broken fixtures in tests/data/model (each named after what is broken).
#include <gtest/gtest.h>

#include "deepimage/error.hpp"
#include "model/model.hpp"
#include "model/rdf.hpp"
#include "support/cli.hpp"

namespace deepimage::model {
namespace {

using deepimage::testing::realdata;
using deepimage::testing::source_dir;

std::vector<std::string> formats(const ModelSpec& s) {
  std::vector<std::string> f;
  for (const auto& w : s.weights) f.push_back(w.format);
  return f;
}

void expect_nuclei_broad(const ModelSpec& s) {
  EXPECT_EQ(s.name, "UNet 2D Nuclei Broad");
  ASSERT_EQ(s.inputs.size(), 1u);
  ASSERT_EQ(s.outputs.size(), 1u);
  EXPECT_EQ(s.inputs[0].id, "raw");
  EXPECT_EQ(s.inputs[0].axes_string(), "bcyx");
  EXPECT_EQ(s.outputs[0].axes_string(), "bcyx");
  for (char a : {'y', 'x'}) {
    EXPECT_EQ(s.inputs[0].axis(a)->size.kind, AxisSize::Kind::fixed);
    EXPECT_EQ(s.inputs[0].axis(a)->size.value, 512);
    EXPECT_EQ(s.outputs[0].axis(a)->halo, 32);
    EXPECT_EQ(s.outputs[0].axis(a)->size.kind, AxisSize::Kind::reference);
    EXPECT_EQ(s.outputs[0].axis(a)->size.ref_tensor, "raw");
    EXPECT_EQ(s.outputs[0].axis(a)->size.factor, 1.0);
    EXPECT_EQ(s.outputs[0].axis(a)->size.offset, 0.0);
  }
  EXPECT_EQ(s.inputs[0].test_tensor, "test_input.npy");
  EXPECT_EQ(s.outputs[0].test_tensor, "test_output.npy");
  EXPECT_EQ(s.outputs[0].postprocessing.at(0).id, "sigmoid");
  EXPECT_EQ(s.weights_for("torchscript")->source, "weights.pt");
  EXPECT_EQ(s.weights_for("torchscript")->sha256, "a4b0659a1b48454588b12179855ad0a0c9b69ccaa89b8bb06e6271e8f60b02fe");
  EXPECT_EQ(s.license, "MIT");
  EXPECT_EQ(s.authors.at(1).name, "Fynn Beuttenmueller");
}

TEST(Rdf, NucleiBroad05And04AgreeWithTheYaml) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const Model m05 = open_model(realdata() / "unet2d_nuclei_broad");
  const Model m04 = open_model(realdata() / "unet2d_nuclei_broad" / "v0_4_9.bioimageio.yaml");
  EXPECT_EQ(m05.spec.format_version, "0.5.4");
  EXPECT_EQ(m04.spec.format_version, "0.4.9");
  expect_nuclei_broad(m05.spec);
  expect_nuclei_broad(m04.spec);
  EXPECT_EQ(formats(m05.spec), (std::vector<std::string>{"onnx", "pytorch_state_dict", "torchscript"}));
  // 0.5 zmuv axes [x, y]; 0.4 axes "yx" with mode per_sample
  EXPECT_EQ(m05.spec.inputs[0].preprocessing.at(1).id, "zero_mean_unit_variance");
  EXPECT_EQ(m05.spec.inputs[0].preprocessing.at(1).kwargs["axes"], nlohmann::json({"x", "y"}));
  EXPECT_EQ(m04.spec.inputs[0].preprocessing.at(0).kwargs["mode"], "per_sample");
  // 0.4 channel size of the output: 1 * 0 + 2 * 0.5
  EXPECT_EQ(m04.spec.outputs[0].axis('c')->size.factor, 0.0);
  EXPECT_EQ(m04.spec.outputs[0].axis('c')->size.offset, 1.0);
}

TEST(Rdf, MultiTensorSizesAndTolerance) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const ModelSpec s = open_model(realdata() / "unet2d_multi_tensor").spec;
  ASSERT_EQ(s.inputs.size(), 2u);
  EXPECT_EQ(s.inputs[1].id, "input1");
  EXPECT_EQ(s.inputs[1].axis('y')->size.kind, AxisSize::Kind::parameterized);
  EXPECT_EQ(s.inputs[1].axis('y')->size.min, 32);
  EXPECT_EQ(s.inputs[1].axis('x')->size.step, 16);
  EXPECT_EQ(s.outputs[1].axis('x')->size.ref_tensor, "input1");
  EXPECT_EQ(s.outputs[1].axis('x')->size.ref_axis, 'x');
  ASSERT_EQ(s.tolerances.size(), 1u);
  EXPECT_EQ(s.tolerance_for("output0", "torchscript").absolute, 1e-5);
  EXPECT_EQ(s.tolerance_for("output0", "torchscript").relative, 1e-3);  // default kept
  EXPECT_EQ(s.inputs[0].preprocessing.at(1).kwargs["axes"], nlohmann::json({"channel", "y", "x"}));
}

TEST(Rdf, Version03WithPytorchScriptAndReferenceInput) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const ModelSpec s =
      open_model(realdata() / "unet2d_nuclei_broad_tiktorch_opset9" / "torchscript").spec;
  EXPECT_EQ(s.format_version, "0.3.0");
  EXPECT_EQ(formats(s), std::vector<std::string>{"torchscript"});
  EXPECT_EQ(s.weights[0].source, "./weights.pt");
  EXPECT_EQ(s.authors.at(0).name, "Constantin Pape;@bioimage-io");
  EXPECT_EQ(s.outputs[0].axis('y')->size.ref_tensor, "raw");
  EXPECT_EQ(s.outputs[0].axis('y')->halo, 32);
}

TEST(Rdf, KerasBundleWithByxcAxesAndUint8DummyInput) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const ModelSpec keras = open_model(realdata() / "unet2d_pancreatic_keras_dij" / "rdf.yaml").spec;
  EXPECT_EQ(keras.inputs[0].axes_string(), "byxc");
  EXPECT_EQ(keras.inputs[0].axis('y')->size.min, 8);
  EXPECT_EQ(keras.outputs[0].axis('x')->halo, 47);
  const ModelSpec dummy = open_model(realdata() / "tiktorch_dummy_tf_savedmodel").spec;
  EXPECT_EQ(dummy.inputs[0].data_type, DType::u8);
  EXPECT_EQ(formats(dummy), std::vector<std::string>{"tensorflow_saved_model_bundle"});
}

TEST(Rdf, ExampleBundleHasBothWeightFormats) {
  const ModelSpec s = open_model(source_dir() / "examples" / "nuclei_unet2d").spec;
  EXPECT_EQ(formats(s), (std::vector<std::string>{"torchscript", "onnx"}));
  EXPECT_EQ(s.inputs[0].axis('x')->size.step, 4);
  EXPECT_EQ(s.outputs[0].axis('x')->halo, 24);
}

std::string error_of(const std::string& fixture) {
  try {
    open_model(source_dir() / "tests" / "data" / "model" / fixture);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Rdf, BrokenFilesNameTheFieldPath) {
  EXPECT_NE(error_of("missing_inputs.yaml").find("inputs: required field is missing"), std::string::npos)
      << error_of("missing_inputs.yaml");
  EXPECT_NE(error_of("bad_step.yaml").find("inputs[0].axes[2].size.step: expected a non-negative integer, got \"abc\""),
            std::string::npos)
      << error_of("bad_step.yaml");
  EXPECT_NE(error_of("bad_version.yaml").find("format_version \"0.2.0\" is not supported"), std::string::npos);
  EXPECT_NE(error_of("not_yaml.yaml").find("not valid YAML at line"), std::string::npos) << error_of("not_yaml.yaml");
  EXPECT_NE(error_of("dangling_reference.yaml").find("\"nothere\""), std::string::npos)
      << error_of("dangling_reference.yaml");
  EXPECT_NE(error_of("v04_bad_shape_length.yaml").find("inputs[0].shape: expected a list of 4 numbers"), std::string::npos)
      << error_of("v04_bad_shape_length.yaml");
}

TEST(Rdf, Sha256IsCheckedWhenReadingWeights) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const Model m = open_model(realdata() / "unet2d_nuclei_broad");
  // The rdf's hash is the independent reference for our sha256.
  EXPECT_EQ(m.bundle.sha256("weights.onnx"), m.spec.weights_for("onnx")->sha256);
  EXPECT_NO_THROW(read_checked(m, "weights.pt", m.spec.weights_for("torchscript")->sha256));
  try {
    read_checked(m, "weights.pt", std::string(64, '0'));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("weights.pt: sha256 mismatch"), std::string::npos) << e.what();
  }
}

TEST(Rdf, Format03StaleHashesAreAcceptedWithAWarning) {
  DEEPIMAGE_REQUIRE_REALDATA();
  // The tiktorch 0.3 rdf lists a hash that does not match its weights.pt (checked with sha256sum).
  const Model m = open_model(realdata() / "unet2d_nuclei_broad_tiktorch_opset9" / "torchscript");
  EXPECT_NE(m.bundle.sha256("weights.pt"), m.spec.weights[0].sha256);
  EXPECT_NO_THROW(read_checked(m, "weights.pt", m.spec.weights[0].sha256));
}

}  // namespace
}  // namespace deepimage::model
