// rdf parsing of the real bundles in ../shared/realdata (values checked by reading their yaml) and
// of broken fixtures in tests/data/model (each named after what is broken).
#include <gtest/gtest.h>

#include "deepimage/error.hpp"
#include "model/model.hpp"
#include "model/rdf.hpp"
#include "model/spec_json.hpp"
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
  if (s.format_version == "0.5.4") {
    EXPECT_EQ(s.outputs[0].test_tensor_sha256, "39925fb38bc74530902e44bf8e43a8bd0a9e3675aab758d89f47dc66cb9818ed");
  }
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
  std::vector<std::string> pre05, pre04;
  for (const auto& op : m05.spec.inputs[0].preprocessing) pre05.push_back(op.id);
  for (const auto& op : m04.spec.inputs[0].preprocessing) pre04.push_back(op.id);
  EXPECT_EQ(pre05, (std::vector<std::string>{"ensure_dtype", "zero_mean_unit_variance", "ensure_dtype"}));
  EXPECT_EQ(pre04, std::vector<std::string>{"zero_mean_unit_variance"});
  EXPECT_EQ(formats(m04.spec), (std::vector<std::string>{"pytorch_state_dict", "onnx", "torchscript"}));  // yaml order
  EXPECT_EQ(kwargs_of(m05.spec.inputs[0].preprocessing.at(1))["axes"], nlohmann::json({"x", "y"}));
  EXPECT_EQ(kwargs_of(m04.spec.inputs[0].preprocessing.at(0))["mode"], "per_sample");
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
  EXPECT_EQ(kwargs_of(s.inputs[0].preprocessing.at(1))["axes"], nlohmann::json({"c", "y", "x"}));
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
  EXPECT_EQ(s.inputs[0].axis('x')->size.step, 8);
  EXPECT_EQ(s.outputs[0].axis('x')->halo, 40);
}

std::string error_of(const std::string& fixture) {
  try {
    open_model(source_dir() / "tests" / "data" / "model" / fixture);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// 0.5 lets axes have ids of their own; they map to letters by type, space axes in order with the last
// one x, and every place that names an axis (size references, op kwargs) follows.
TEST(Rdf, AxisIdsOfTheModelsOwnMapByTypeAndOrder) {
  const ModelSpec s = parse_rdf(R"(
format_version: 0.5.4
type: model
name: own axis ids
inputs:
  - id: raw
    axes:
      - {type: batch}
      - {type: channel, id: ch, channel_names: [a, b]}
      - {type: space, id: depth, size: 8}
      - {type: space, id: row, size: {min: 16, step: 8}}
      - {type: space, id: col, size: {min: 16, step: 8}}
    preprocessing:
      - {id: zero_mean_unit_variance, kwargs: {axes: [row, col, depth]}}
  - id: mask
    axes:
      - {type: time, id: frame, size: 3}
      - {type: space, id: x, size: 16}
      - {type: space, id: across, size: 16}
outputs:
  - id: out
    axes:
      - {type: batch}
      - {type: channel, id: ch, channel_names: [a]}
      - {type: space, id: depth, size: {tensor_id: raw, axis_id: depth}}
      - {type: space, id: row, size: {tensor_id: raw, axis_id: row}, halo: 2}
      - {type: space, id: col, size: {tensor_id: raw, axis_id: col}}
    postprocessing:
      - {id: softmax, kwargs: {axis: ch}}
weights: {torchscript: {source: w.pt}}
)", "own_ids.yaml");
  EXPECT_EQ(s.inputs.at(0).axes_string(), "bczyx");
  EXPECT_EQ(kwargs_of(s.inputs.at(0).preprocessing.at(0))["axes"], nlohmann::json({"y", "x", "z"}));
  // "x" keeps its letter; the other space axis takes the one left of the last two, y.
  EXPECT_EQ(s.inputs.at(1).axes_string(), "txy");
  EXPECT_EQ(s.outputs.at(0).axes_string(), "bczyx");
  EXPECT_EQ(s.outputs.at(0).axis('y')->size.ref_axis, 'y');
  EXPECT_EQ(s.outputs.at(0).axis('y')->halo, 2);
  EXPECT_EQ(s.outputs.at(0).axis('z')->size.ref_axis, 'z');
  EXPECT_EQ(kwargs_of(s.outputs.at(0).postprocessing.at(0))["axis"], "c");
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
  EXPECT_NE(error_of("bad_type.yaml").find("type: expected \"model\""), std::string::npos) << error_of("bad_type.yaml");
  EXPECT_NE(error_of("version_1_0.yaml").find("format_version \"1.0\" is not supported (supported: 0.5.x, 0.4.x, 0.3.x)"),
            std::string::npos)
      << error_of("version_1_0.yaml");
  EXPECT_NE(error_of("missing_axes.yaml").find("inputs[0].axes: required field is missing"), std::string::npos)
      << error_of("missing_axes.yaml");
  EXPECT_NE(error_of("unknown_axis_id.yaml").find("inputs[0].axes: 4 space axes; deepimage supports at most 3 (z, y, x)"), std::string::npos)
      << error_of("unknown_axis_id.yaml");
  EXPECT_NE(error_of("missing_weights_source.yaml").find("weights.onnx.source: required field is missing"), std::string::npos)
      << error_of("missing_weights_source.yaml");
  EXPECT_NE(error_of("missing_format_version.yaml").find("format_version: required field is missing"), std::string::npos)
      << error_of("missing_format_version.yaml");
}

ErrorCode code_of(const std::string& fixture) {
  try {
    open_model(source_dir() / "tests" / "data" / "model" / fixture);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::internal;
}

TEST(Rdf, BrokenFilesGiveTheirErrorCode) {
  EXPECT_EQ(code_of("bad_step.yaml"), ErrorCode::bad_model);
  EXPECT_EQ(code_of("not_yaml.yaml"), ErrorCode::bad_model);
  EXPECT_EQ(code_of("bad_version.yaml"), ErrorCode::unsupported);
  EXPECT_EQ(code_of("version_1_0.yaml"), ErrorCode::unsupported);
  EXPECT_EQ(code_of("unknown_axis_id.yaml"), ErrorCode::unsupported);
  EXPECT_EQ(code_of("missing_inputs.yaml"), ErrorCode::bad_model);
}

// Hand-written 0.5 rdf: every axis size form, default ids, a data list, and partial tolerances.
constexpr const char* kSizes05 = R"(
format_version: 0.5.3
type: model
name: sizes
inputs:
  - id: a
    axes:
      - type: batch
      - type: channel
        channel_names: [r, g, b]
      - id: y
        type: space
        size: {min: 64, step: 8}
        scale: 2.0
      - type: space
        size: 100
    data: [{type: uint16}, {type: float32}]
outputs:
  - id: b
    axes:
      - type: batch
      - id: y
        type: space
        size: {tensor_id: a, axis_id: y, offset: -4}
        scale: 4.0
        halo: 6
      - type: index
        size: 3
weights:
  onnx: {source: m.onnx, sha256: ABCDEF, opset_version: 17}
  torchscript: {source: m.pt, pytorch_version: "2.1"}
config:
  bioimageio:
    reproducibility_tolerance:
      - {absolute_tolerance: 0.5, output_ids: [b], weights_formats: [onnx]}
      - {relative_tolerance: 0.01}
)";

TEST(Rdf, Version05SizeFormsAndDefaults) {
  const ModelSpec s = parse_rdf(kSizes05, "sizes.yaml");
  const TensorSpec& a = s.inputs.at(0);
  EXPECT_EQ(a.axes_string(), "bcyx");  // the space axis without an id is x
  EXPECT_EQ(a.axis('b')->size.kind, AxisSize::Kind::fixed);
  EXPECT_EQ(a.axis('b')->size.value, 1);
  EXPECT_EQ(a.axis('c')->size.value, 3);
  EXPECT_EQ(a.axis('c')->channel_names, (std::vector<std::string>{"r", "g", "b"}));
  EXPECT_EQ(a.axis('y')->size.kind, AxisSize::Kind::parameterized);
  EXPECT_EQ(a.axis('y')->size.min, 64);
  EXPECT_EQ(a.axis('y')->size.step, 8);
  EXPECT_EQ(a.axis('x')->size.value, 100);
  EXPECT_EQ(a.data_type, DType::u16);  // first of the data list
  const TensorSpec& b = s.outputs.at(0);
  EXPECT_EQ(b.axes_string(), "byi");
  EXPECT_EQ(b.axis('y')->size.kind, AxisSize::Kind::reference);
  EXPECT_EQ(b.axis('y')->size.ref_tensor, "a");
  EXPECT_EQ(b.axis('y')->size.ref_axis, 'y');
  EXPECT_EQ(b.axis('y')->size.factor, 2.0 / 4.0);  // ref scale / own scale
  EXPECT_EQ(b.axis('y')->size.offset, -4.0);
  EXPECT_EQ(b.axis('y')->halo, 6);
  EXPECT_EQ(b.axis('i')->type, AxisType::index);
  EXPECT_EQ(b.data_type, DType::f32);  // default
  ASSERT_EQ(s.weights.size(), 2u);
  EXPECT_EQ(s.weights[0].format, "onnx");  // yaml order
  EXPECT_EQ(s.weights[0].sha256, "abcdef");
  EXPECT_EQ(s.weights[0].version, "17");
  EXPECT_EQ(s.weights[1].version, "2.1");
  EXPECT_EQ(config_of(s)["bioimageio"]["reproducibility_tolerance"].size(), 2u);
}

TEST(Rdf, ToleranceIsTheFirstEntryThatMatches) {
  const ModelSpec s = parse_rdf(kSizes05, "sizes.yaml");
  ASSERT_EQ(s.tolerances.size(), 2u);
  const ReproducibilityTolerance defaults;
  const auto onnx_b = s.tolerance_for("b", "onnx");
  EXPECT_EQ(onnx_b.absolute, 0.5);
  EXPECT_EQ(onnx_b.relative, defaults.relative);
  EXPECT_EQ(onnx_b.mismatched_per_million, defaults.mismatched_per_million);
  const auto torch_b = s.tolerance_for("b", "torchscript");  // second entry applies to all
  EXPECT_EQ(torch_b.relative, 0.01);
  EXPECT_EQ(torch_b.absolute, defaults.absolute);
  ModelSpec none;
  EXPECT_EQ(none.tolerance_for("b", "onnx").relative, 1e-3);
  EXPECT_EQ(none.tolerance_for("b", "onnx").absolute, 1e-3);
  EXPECT_EQ(none.tolerance_for("b", "onnx").mismatched_per_million, 100);
}

TEST(Rdf, Version04ReferenceIsScaleTimesSizePlusTwiceOffset) {
  const ModelSpec s = parse_rdf(R"(
format_version: 0.4.10
type: model
name: v04
inputs:
  - {name: in, axes: byxc, data_type: int16, shape: {min: [1, 16, 16, 2], step: [0, 8, 8, 0]}}
outputs:
  - name: out
    axes: byxc
    data_type: float64
    halo: [0, 4, 4, 0]
    shape: {reference_tensor: in, scale: [1, 0.5, 0.5, 2], offset: [0, 3, 3, 0]}
    postprocessing: [{name: sigmoid}]
weights: {keras_hdf5: {source: m.h5, tensorflow_version: "1.15"}}
test_inputs: [ti.npy]
test_outputs: [to.npy]
)", "v04.yaml");
  const TensorSpec& in = s.inputs.at(0);
  EXPECT_EQ(in.data_type, DType::i16);
  EXPECT_EQ(in.axis('b')->size.kind, AxisSize::Kind::fixed);  // step 0: fixed at min
  EXPECT_EQ(in.axis('c')->size.value, 2);
  EXPECT_EQ(in.axis('y')->size.min, 16);
  EXPECT_EQ(in.axis('y')->size.step, 8);
  EXPECT_EQ(in.axis('c')->type, AxisType::channel);
  const TensorSpec& out = s.outputs.at(0);
  EXPECT_EQ(out.data_type, DType::f64);
  EXPECT_EQ(out.axis('y')->size.factor, 0.5);
  EXPECT_EQ(out.axis('y')->size.offset, 6.0);
  EXPECT_EQ(out.axis('c')->size.factor, 2.0);
  EXPECT_EQ(out.axis('x')->halo, 4);
  EXPECT_EQ(out.postprocessing.at(0).id, "sigmoid");
  EXPECT_EQ(in.test_tensor, "ti.npy");
  EXPECT_EQ(out.test_tensor, "to.npy");
  EXPECT_EQ(s.weights.at(0).version, "1.15");
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

// A small valid 0.5 rdf; each test below breaks one thing in it.
constexpr const char* kSmall05 = R"(format_version: 0.5.4
type: model
name: small
inputs:
  - id: raw
    axes:
      - type: batch
      - id: y
        type: space
        size: {min: 32, step: 16}
      - id: x
        type: space
        size: 64
    data: {type: float32}
    preprocessing:
      - id: scale_linear
        kwargs: {gain: 2.0, offset: 0.0}
outputs:
  - id: out
    axes:
      - type: batch
      - id: y
        type: space
        size: {tensor_id: raw, axis_id: y}
        scale: 1.0
        halo: 8
      - id: x
        type: space
        size: {tensor_id: raw, axis_id: x}
weights: {torchscript: {source: w.pt}}
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string parse_error(const std::string& yaml) {
  try {
    parse_rdf(yaml, "small.yaml");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_model) << e.what();
    return e.what();
  }
  return "no error";
}

TEST(Rdf, SmallRdfOfTheBrokenVariantsIsValid) {
  const ModelSpec s = parse_rdf(kSmall05, "small.yaml");
  EXPECT_EQ(kwargs_of(s.inputs.at(0).preprocessing.at(0))["gain"], 2.0);
}

// stardist's bioimage.io export: config.stardist {stardist_version, thresholds {prob, nms}}.
TEST(Rdf, StarDistConfigIsReadWithItsThresholds) {
  EXPECT_FALSE(parse_rdf(kSmall05, "small.yaml").star_convex.has_value());
  const std::string stardist = std::string(kSmall05) + "config:\n  stardist:\n    stardist_version: 0.8.5\n    thresholds: {prob: 0.479071463, nms: 0.3}\n";
  const ModelSpec s = parse_rdf(stardist, "small.yaml");
  ASSERT_TRUE(s.star_convex.has_value());
  EXPECT_DOUBLE_EQ(s.star_convex->probability_threshold, 0.479071463);
  EXPECT_DOUBLE_EQ(s.star_convex->nms_threshold, 0.3);
  EXPECT_EQ(s.star_convex->version, "0.8.5");
  EXPECT_TRUE(config_of(s).contains("stardist")) << "the config block is kept whole too";
  // Without thresholds: StarDist's own defaults.
  const ModelSpec bare = parse_rdf(std::string(kSmall05) + "config:\n  stardist: {stardist_version: 0.6.0}\n", "small.yaml");
  ASSERT_TRUE(bare.star_convex.has_value());
  EXPECT_EQ(bare.star_convex->probability_threshold, 0.5);
  EXPECT_EQ(bare.star_convex->nms_threshold, 0.4);
  EXPECT_EQ(parse_error(replaced(stardist, "prob: 0.479071463", "prob: 1.5")),
            "small.yaml: config.stardist.thresholds.prob: expected a number from 0 to 1, got \"1.5\"");
  EXPECT_EQ(parse_error(replaced(stardist, "nms: 0.3", "nms: high")), "small.yaml: config.stardist.thresholds.nms: expected a number, got \"high\"");
  EXPECT_NE(parse_error(std::string(kSmall05) + "config:\n  stardist: yes\n").find("small.yaml: config.stardist: expected a mapping"), std::string::npos);
}

// yaml-cpp answers a missing list element with an "invalid node" exception naming nothing.
TEST(Rdf, EmptyListsWhereAnEntryIsNeededNameTheField) {
  EXPECT_EQ(parse_error(replaced(kSmall05, "data: {type: float32}", "data: []")),
            "small.yaml: inputs[0].data: expected a list of at least 1 entry, got an empty list");
}

TEST(Rdf, NonPositiveScalesAreRefused) {
  EXPECT_EQ(parse_error(replaced(kSmall05, "scale: 1.0", "scale: 0")),
            "small.yaml: outputs[0].axes[1].scale: expected a positive number, got \"0\"");
  EXPECT_NE(parse_error(replaced(kSmall05, "scale: 1.0", "scale: -2")).find("expected a positive number"), std::string::npos);
  EXPECT_NE(parse_error(replaced(kSmall05, "scale: 1.0", "scale: .inf")).find("expected a positive number"), std::string::npos);
}

// A 0.5 output size the network decides from the data ({min, max}, or {min} alone) cannot be tiled
// or planned: it is refused when the rdf is read, naming the field, not run into a wrong size.
TEST(Rdf, DataDependentOutputSizesAreRefusedAtLoad) {
  for (const char* size : {"size: {min: 1, max: 512}", "size: {min: 1}"}) {
    try {
      parse_rdf(replaced(kSmall05, "size: {tensor_id: raw, axis_id: x}", size), "small.yaml");
      ADD_FAILURE() << size << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::unsupported) << e.what();
      EXPECT_NE(std::string(e.what()).find("small.yaml: outputs[0].axes[2].size: an output size that depends on the data"),
                std::string::npos)
          << e.what();
    }
  }
}

// Sizes are multiplied and padded downstream: absurd ones are refused where the rdf says them.
TEST(Rdf, SizesAndHalosBeyondTheirBoundsNameTheField) {
  EXPECT_EQ(parse_error(replaced(kSmall05, "size: {min: 32, step: 16}", "size: {min: 4e18, step: 16}")),
            "small.yaml: inputs[0].axes[1].size.min: expected a positive integer of at most 1048576, got \"4e18\"");
  EXPECT_NE(parse_error(replaced(kSmall05, "size: {min: 32, step: 16}", "size: {min: 1e300, step: 16}")).find("of at most"),
            std::string::npos);
  EXPECT_NE(parse_error(replaced(kSmall05, "size: 64", "size: 9223372036854775807")).find("axes[2].size: expected a positive integer of at most 1048576"),
            std::string::npos);
  EXPECT_EQ(parse_error(replaced(kSmall05, "halo: 8", "halo: 1000000")),
            "small.yaml: outputs[0].axes[1].halo: expected a non-negative integer of at most 4096, got \"1000000\"");
  EXPECT_EQ(parse_rdf(replaced(kSmall05, "halo: 8", "halo: 4096"), "small.yaml").outputs[0].axes[1].halo, kMaxHalo);
}

// Nine levels of ten aliases stand for 10^9 values in a few hundred bytes ("billion laughs").
std::string alias_bomb(const std::string& indent) {
  std::string yaml = indent + "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level < 9; ++level) {
    const std::string prev = "*l" + std::to_string(level - 1);
    yaml += indent + "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int k = 0; k < 10; ++k) yaml += prev + (k < 9 ? ", " : "]\n");
  }
  return yaml;
}

TEST(Rdf, YamlAliasBombsAreBoundedAndNameTheField) {
  EXPECT_EQ(parse_error(std::string(kSmall05) + "config:\n" + alias_bomb("  ")),
            "small.yaml: config: expands to more than 100000 values (YAML aliases repeated over and over?)");
  EXPECT_EQ(parse_error(replaced(kSmall05, "        kwargs: {gain: 2.0, offset: 0.0}\n",
                                 "        kwargs:\n" + alias_bomb("          "))),
            "small.yaml: inputs[0].preprocessing[0].kwargs: expands to more than 100000 values (YAML aliases repeated "
            "over and over?)");
  // Aliases that expand to little are fine.
  const ModelSpec s = parse_rdf(std::string(kSmall05) + "config:\n  a: &a [1, 2]\n  b: [*a, *a]\n", "small.yaml");
  EXPECT_EQ(config_of(s)["b"][1][1], 2);
  // kwargs and config are mappings.
  EXPECT_EQ(parse_error(replaced(kSmall05, "kwargs: {gain: 2.0, offset: 0.0}", "kwargs: [1, 2]")),
            "small.yaml: inputs[0].preprocessing[0].kwargs: expected a mapping, got a list of 2");
}

}  // namespace
}  // namespace deepimage::model
