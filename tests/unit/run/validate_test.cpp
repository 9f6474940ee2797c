// validate_model on small hand-written rdf documents: each check reports its problem at the exact
// field path, every problem is reported (not only the first), and warnings do not make a model invalid.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "deepimage/error.hpp"
#include "deepimage/validate.hpp"
#include "io/npy.hpp"
#include "model/bundle.hpp"
#include "support/cli.hpp"

namespace deepimage {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

std::string npy_text(Shape shape, DType dtype = DType::f32) {
  const auto bytes = io::npy_bytes(Tensor(dtype, std::move(shape)));
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::string sha_of(const std::string& text) {
  std::vector<std::byte> bytes(text.size());
  std::memcpy(bytes.data(), text.data(), text.size());
  return model::sha256_hex(bytes);
}

void replace(std::string& s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
}

// A valid rdf 0.5 bundle: one bcyx input of {min 8, step 2}, one output of the same size with halo 2.
class Bundle05 {
 public:
  Bundle05() {
    write(dir_ / "weights.pt", "weights");
    write(dir_ / "test_input.npy", npy_text({1, 1, 8, 8}));
    write(dir_ / "test_output.npy", npy_text({1, 1, 8, 8}));
    write(dir_ / "README.md", "# a model\n");
    write(dir_ / "cover.png", "png");
    rdf = R"(type: model
format_version: 0.5.4
name: validate fixture
description: a hand-written description
authors:
  - name: A. Author
cite:
  - text: a paper
    doi: 10.1000/xyz
license: MIT
documentation: README.md
covers: [cover.png]
inputs:
  - id: raw
    axes:
      - type: batch
      - type: channel
        channel_names: [raw]
      - type: space
        id: y
        size: {min: 8, step: 2}
      - type: space
        id: x
        size: {min: 8, step: 2}
    test_tensor:
      source: test_input.npy
      sha256: )" + sha_of(npy_text({1, 1, 8, 8})) + R"(
    preprocessing:
      - id: scale_range
        kwargs: {axes: [y, x], min_percentile: 1, max_percentile: 99}
outputs:
  - id: out
    axes:
      - type: batch
      - type: channel
        channel_names: [out]
      - type: space
        id: y
        size: {tensor_id: raw, axis_id: y}
        halo: 2
      - type: space
        id: x
        size: {tensor_id: raw, axis_id: x}
        halo: 2
    test_tensor:
      source: test_output.npy
      sha256: )" + sha_of(npy_text({1, 1, 8, 8})) + R"(
weights:
  torchscript:
    source: weights.pt
    sha256: )" + sha_of("weights") + R"(
    pytorch_version: "1.13.1"
)";
  }
  ValidationReport validate() {
    write(dir_ / "rdf.yaml", rdf);
    return validate_model(dir_.path());
  }
  const fs::path& path() const { return dir_.path(); }

  std::string rdf;

 private:
  TempDir dir_;
};

std::vector<std::string> paths(const std::vector<ValidationProblem>& list) {
  std::vector<std::string> p;
  for (const auto& x : list) p.push_back(x.path);
  return p;
}

bool has(const std::vector<ValidationProblem>& list, const std::string& path) {
  return std::any_of(list.begin(), list.end(), [&](const ValidationProblem& p) { return p.path == path; });
}

std::string dump(const ValidationReport& r) { return to_json(r).dump(1); }

// Expect exactly one error, at `path`, whose message contains `quoted`.
void expect_only_error(const ValidationReport& r, const std::string& path, const std::string& quoted) {
  ASSERT_EQ(r.errors.size(), 1u) << dump(r);
  EXPECT_EQ(r.errors[0].path, path) << dump(r);
  EXPECT_NE(r.errors[0].message.find(quoted), std::string::npos) << dump(r);
  EXPECT_FALSE(r.errors[0].hint.empty());
  EXPECT_FALSE(r.valid());
}

TEST(Validate, HandWrittenBundleIsValidWithoutWarnings) {
  Bundle05 b;
  const ValidationReport r = b.validate();
  EXPECT_TRUE(r.valid()) << dump(r);
  EXPECT_TRUE(r.warnings.empty()) << dump(r);
  EXPECT_EQ(r.format_version, "0.5.4");
  EXPECT_EQ(r.rdf, "rdf.yaml");
}

TEST(Validate, MissingRequiredFields) {
  Bundle05 b;
  replace(b.rdf, "name: validate fixture\n", "");
  replace(b.rdf, "license: MIT\n", "");
  const ValidationReport r = b.validate();
  EXPECT_EQ(paths(r.errors), (std::vector<std::string>{"name", "license"})) << dump(r);
}

TEST(Validate, UnknownFormatVersionStops) {
  Bundle05 b;
  replace(b.rdf, "format_version: 0.5.4", "format_version: 0.9.1");
  expect_only_error(b.validate(), "format_version", "\"0.9.1\"");
}

TEST(Validate, NewerPatchVersionIsAWarning) {
  Bundle05 b;
  replace(b.rdf, "format_version: 0.5.4", "format_version: 0.5.99");
  const ValidationReport r = b.validate();
  EXPECT_TRUE(r.valid()) << dump(r);
  EXPECT_TRUE(has(r.warnings, "format_version")) << dump(r);
}

TEST(Validate, YamlSyntaxErrorIsOneProblemOfTheWholeDocument) {
  Bundle05 b;
  b.rdf += "inputs: [unclosed\n";
  const ValidationReport r = b.validate();
  ASSERT_EQ(r.errors.size(), 1u) << dump(r);
  EXPECT_EQ(r.errors[0].path, "");
  EXPECT_NE(r.errors[0].message.find("not valid YAML at line"), std::string::npos);
}

TEST(Validate, StepThatIsNotANumber) {
  Bundle05 b;
  replace(b.rdf, "size: {min: 8, step: 2}", "size: {min: 8, step: abc}");
  expect_only_error(b.validate(), "inputs[0].axes[2].size.step", "\"abc\"");
}

TEST(Validate, UnknownAxisType) {
  Bundle05 b;
  replace(b.rdf, "      - type: channel\n        channel_names: [raw]", "      - type: colour\n        channel_names: [raw]");
  expect_only_error(b.validate(), "inputs[0].axes[1].type", "\"colour\"");
}

TEST(Validate, DuplicateAxisId) {
  Bundle05 b;
  replace(b.rdf, "        id: x\n        size: {min: 8, step: 2}", "        id: y\n        size: {min: 8, step: 2}");
  const ValidationReport r = b.validate();
  EXPECT_TRUE(has(r.errors, "inputs[0].axes[3].id")) << dump(r);
}

TEST(Validate, SecondChannelAxis) {
  Bundle05 b;
  replace(b.rdf, "      - type: batch\n      - type: channel\n        channel_names: [raw]",
          "      - type: channel\n        id: c2\n        channel_names: [a]\n      - type: channel\n        channel_names: [raw]");
  expect_only_error(b.validate(), "inputs[0].axes[1].type", "second channel axis");
}

TEST(Validate, SizeReferenceToAMissingTensorAndAMissingAxis) {
  Bundle05 b;
  replace(b.rdf, "size: {tensor_id: raw, axis_id: y}", "size: {tensor_id: nothing, axis_id: y}");
  replace(b.rdf, "size: {tensor_id: raw, axis_id: x}", "size: {tensor_id: raw, axis_id: q}");
  const ValidationReport r = b.validate();
  EXPECT_EQ(paths(r.errors), (std::vector<std::string>{"outputs[0].axes[2].size.tensor_id", "outputs[0].axes[3].size.axis_id"}))
      << dump(r);
}

TEST(Validate, InputSizeMayNotReferToAnOutput) {
  Bundle05 b;
  replace(b.rdf, "        id: x\n        size: {min: 8, step: 2}", "        id: x\n        size: {tensor_id: out, axis_id: y}");
  const ValidationReport r = b.validate();
  EXPECT_TRUE(has(r.errors, "inputs[0].axes[3].size.tensor_id")) << dump(r);
}

TEST(Validate, HaloNotBelowHalfTheSmallestSize) {
  Bundle05 b;
  replace(b.rdf, "        size: {tensor_id: raw, axis_id: y}\n        halo: 2", "        size: {tensor_id: raw, axis_id: y}\n        halo: 4");
  // min 8 - 2 * 4 = 0 pixels left
  expect_only_error(b.validate(), "outputs[0].axes[2].halo", "halo 4");
}

TEST(Validate, HaloOnAnInput) {
  Bundle05 b;
  replace(b.rdf, "        id: y\n        size: {min: 8, step: 2}", "        id: y\n        size: {min: 8, step: 2}\n        halo: 1");
  expect_only_error(b.validate(), "inputs[0].axes[2].halo", "input");
}

TEST(Validate, UnknownOpAndUnknownKwarg) {
  Bundle05 b;
  replace(b.rdf, "      - id: scale_range\n        kwargs: {axes: [y, x], min_percentile: 1, max_percentile: 99}",
          "      - id: normalise\n      - id: clip\n        kwargs: {min: 0, maximum: 1}");
  const ValidationReport r = b.validate();
  EXPECT_EQ(paths(r.errors), (std::vector<std::string>{"inputs[0].preprocessing[0].id", "inputs[0].preprocessing[1].kwargs.maximum"}))
      << dump(r);
}

TEST(Validate, KwargAxesMustBeAxesOfTheTensor) {
  Bundle05 b;
  replace(b.rdf, "axes: [y, x], min_percentile", "axes: [y, z], min_percentile");
  expect_only_error(b.validate(), "inputs[0].preprocessing[0].kwargs.axes[1]", "\"z\"");
}

TEST(Validate, KwargValuesAreCheckedByTheOpItself) {
  Bundle05 b;
  replace(b.rdf, "max_percentile: 99", "max_percentile: 150");
  expect_only_error(b.validate(), "inputs[0].preprocessing[0].kwargs.max_percentile", "150");
}

TEST(Validate, ScaleMeanVarianceIsNotPreprocessing) {
  Bundle05 b;
  replace(b.rdf, "      - id: scale_range\n        kwargs: {axes: [y, x], min_percentile: 1, max_percentile: 99}",
          "      - id: scale_mean_variance\n        kwargs: {reference_tensor: raw}");
  const ValidationReport r = b.validate();
  EXPECT_TRUE(has(r.errors, "inputs[0].preprocessing[0].id")) << dump(r);
}

TEST(Validate, MissingWeightsFileAndWrongShaAreBothReported) {
  Bundle05 b;
  replace(b.rdf, "source: weights.pt", "source: missing.pt");
  replace(b.rdf, "      source: test_input.npy\n      sha256: " + sha_of(npy_text({1, 1, 8, 8})),
          "      source: test_input.npy\n      sha256: " + std::string(64, 'a'));
  const ValidationReport r = b.validate();
  EXPECT_EQ(paths(r.errors), (std::vector<std::string>{"weights.torchscript.source", "inputs[0].test_tensor.sha256"})) << dump(r);
  EXPECT_NE(r.errors[1].message.find(std::string(64, 'a')), std::string::npos);
  EXPECT_NE(r.errors[1].message.find(sha_of(npy_text({1, 1, 8, 8}))), std::string::npos);
}

TEST(Validate, WeightsShaMismatch) {
  Bundle05 b;
  write(b.path() / "weights.pt", "changed weights");
  expect_only_error(b.validate(), "weights.torchscript.sha256", sha_of("changed weights"));
}

TEST(Validate, MissingShaIsAWarning) {
  Bundle05 b;
  replace(b.rdf, "    sha256: " + sha_of("weights") + "\n", "");
  const ValidationReport r = b.validate();
  EXPECT_TRUE(r.valid()) << dump(r);
  EXPECT_EQ(paths(r.warnings), (std::vector<std::string>{"weights.torchscript.sha256"})) << dump(r);
}

TEST(Validate, NoWeights) {
  Bundle05 b;
  replace(b.rdf, "weights:\n  torchscript:\n", "weights: {}\nunused:\n  torchscript:\n");
  expect_only_error(b.validate(), "weights", "at least one");
}

TEST(Validate, WeightsThatDoNotRunHereAreWarnings) {
  Bundle05 b;
  replace(b.rdf, "weights:\n  torchscript:\n    source: weights.pt", "weights:\n  tensorflow_js:\n    source: weights.pt");
  replace(b.rdf, "pytorch_version: \"1.13.1\"", "tensorflow_version: \"1.15\"");
  const ValidationReport r = b.validate();
  EXPECT_TRUE(r.valid()) << dump(r);
  EXPECT_EQ(paths(r.warnings), (std::vector<std::string>{"weights.tensorflow_js", "weights"})) << dump(r);
}

TEST(Validate, WeightsParentMustBeAnotherEntry) {
  Bundle05 b;
  replace(b.rdf, "    pytorch_version: \"1.13.1\"", "    pytorch_version: \"1.13.1\"\n    parent: onnx");
  expect_only_error(b.validate(), "weights.torchscript.parent", "\"onnx\"");
}

TEST(Validate, TestTensorOfASizeTheRuleDoesNotAllow) {
  Bundle05 b;
  write(b.path() / "test_input.npy", npy_text({1, 1, 9, 8}));
  replace(b.rdf, "      source: test_input.npy\n      sha256: " + sha_of(npy_text({1, 1, 8, 8})) + "\n", "      source: test_input.npy\n");
  const ValidationReport r = b.validate();
  // 9 is not 8 + n * 2; the output's 8 is not what the input's 9 gives
  EXPECT_EQ(paths(r.errors), (std::vector<std::string>{"inputs[0].test_tensor.source", "outputs[0].test_tensor.source"})) << dump(r);
  EXPECT_NE(r.errors[0].message.find("size 9 along \"y\" is not 8 + n * 2"), std::string::npos) << dump(r);
}

TEST(Validate, TestTensorWithTheWrongNumberOfAxes) {
  Bundle05 b;
  write(b.path() / "test_output.npy", npy_text({1, 8, 8}));
  replace(b.rdf, "      source: test_output.npy\n      sha256: " + sha_of(npy_text({1, 1, 8, 8})) + "\n", "      source: test_output.npy\n");
  expect_only_error(b.validate(), "outputs[0].test_tensor.source", "3 axes");
}

TEST(Validate, MissingCoverAndDocumentation) {
  Bundle05 b;
  replace(b.rdf, "covers: [cover.png]\n", "");
  replace(b.rdf, "documentation: README.md", "documentation: MISSING.md");
  const ValidationReport r = b.validate();
  expect_only_error(r, "documentation", "\"MISSING.md\"");
  EXPECT_EQ(paths(r.warnings), (std::vector<std::string>{"covers"})) << dump(r);
}

TEST(Validate, CitationWithoutDoiOrUrl) {
  Bundle05 b;
  replace(b.rdf, "    doi: 10.1000/xyz\n", "");
  expect_only_error(b.validate(), "cite[0]", "neither doi nor url");
}

TEST(Validate, FileOutsideTheBundle) {
  Bundle05 b;
  replace(b.rdf, "documentation: README.md", "documentation: ../README.md");
  expect_only_error(b.validate(), "documentation", "..");
}

TEST(Validate, ALimitOfDeepimageIsAWarningNotAnError) {
  Bundle05 b;  // 0.5 allows any number of space axes; deepimage maps at most three
  replace(b.rdf, "      - type: space\n        id: y\n        size: {min: 8, step: 2}",
          "      - type: space\n        id: w\n        size: 1\n      - type: space\n        id: v\n        size: 1\n"
          "      - type: space\n        id: y\n        size: {min: 8, step: 2}");
  const ValidationReport r = b.validate();
  EXPECT_TRUE(r.valid()) << dump(r);
  EXPECT_TRUE(has(r.warnings, "inputs[0].axes")) << dump(r);
}

TEST(Validate, DuplicateTensorId) {
  Bundle05 b;
  replace(b.rdf, "  - id: out\n", "  - id: raw\n");
  const ValidationReport r = b.validate();
  EXPECT_TRUE(has(r.errors, "outputs[0].id")) << dump(r);
}

TEST(Validate, DataTypeAndRange) {
  Bundle05 b;
  replace(b.rdf, "    test_tensor:\n      source: test_input.npy", "    data: {type: float16, range: [1, 0]}\n    test_tensor:\n      source: test_input.npy");
  const ValidationReport r = b.validate();
  EXPECT_EQ(paths(r.errors), (std::vector<std::string>{"inputs[0].data.type", "inputs[0].data.range"})) << dump(r);
}

TEST(Validate, ChannelNamesBatchSizeAndScale) {
  Bundle05 b;
  replace(b.rdf, "      - type: batch\n      - type: channel\n        channel_names: [raw]",
          "      - type: batch\n        size: 2\n      - type: channel\n        channel_names: [raw, raw]");
  replace(b.rdf, "        id: x\n        size: {min: 8, step: 2}", "        id: x\n        size: {min: 8, step: 2}\n        scale: 0");
  const ValidationReport r = b.validate();
  EXPECT_EQ(paths(r.errors), (std::vector<std::string>{"inputs[0].axes[0].size", "inputs[0].axes[1].channel_names[1]", "inputs[0].axes[3].scale"}))
      << dump(r);
}

TEST(Validate, PreprocessingOnAnOutput) {
  Bundle05 b;
  replace(b.rdf, "weights:\n", "    preprocessing:\n      - id: sigmoid\nweights:\n");
  const ValidationReport r = b.validate();
  EXPECT_EQ(paths(r.errors), (std::vector<std::string>{"outputs[0].preprocessing"})) << dump(r);
}

TEST(Validate, MissingTestTensor) {
  Bundle05 b;
  replace(b.rdf, "    test_tensor:\n      source: test_output.npy\n      sha256: " + sha_of(npy_text({1, 1, 8, 8})) + "\n", "");
  expect_only_error(b.validate(), "outputs[0].test_tensor", "missing");
}

TEST(Validate, TestTensorOfAnotherDataType) {
  Bundle05 b;
  write(b.path() / "test_output.npy", npy_text({1, 1, 8, 8}, DType::u8));
  replace(b.rdf, "      source: test_output.npy\n      sha256: " + sha_of(npy_text({1, 1, 8, 8})) + "\n", "      source: test_output.npy\n");
  expect_only_error(b.validate(), "outputs[0].test_tensor.source", "holds uint8");
}

TEST(Validate, ReproducibilityToleranceIsANonNegativeNumber) {
  Bundle05 b;
  b.rdf += "config:\n  bioimageio:\n    reproducibility_tolerance:\n      - absolute_tolerance: -1\n";
  expect_only_error(b.validate(), "config.bioimageio.reproducibility_tolerance[0].absolute_tolerance", "\"-1\"");
}

TEST(Validate, NotAModelAtAllThrows) {
  TempDir dir;
  EXPECT_THROW(validate_model(dir / "absent"), Error);
  write(dir / "notes.txt", "x");
  EXPECT_THROW(validate_model(dir / "notes.txt"), Error);
  EXPECT_THROW(validate_model(dir.path()), Error);  // a folder without an rdf
}

// rdf 0.4: the same model in the older layout.
class Bundle04 {
 public:
  Bundle04() {
    write(dir_ / "weights.pt", "weights");
    write(dir_ / "test_input.npy", npy_text({1, 1, 8, 8}));
    write(dir_ / "test_output.npy", npy_text({1, 1, 8, 8}));
    write(dir_ / "README.md", "# a model\n");
    rdf = R"(type: model
format_version: 0.4.10
name: validate fixture 0.4
description: a hand-written description
authors: [{name: A. Author}]
cite: [{text: a paper, url: "https://example.org"}]
license: MIT
documentation: README.md
covers: [README.md]
inputs:
  - name: raw
    axes: bcyx
    data_type: float32
    shape: {min: [1, 1, 8, 8], step: [0, 0, 2, 2]}
    preprocessing:
      - name: zero_mean_unit_variance
        kwargs: {mode: per_sample, axes: yx}
outputs:
  - name: out
    axes: bcyx
    data_type: float32
    shape: {reference_tensor: raw, scale: [1, 1, 1, 1], offset: [0, 0, 0, 0]}
    halo: [0, 0, 2, 2]
test_inputs: [test_input.npy]
test_outputs: [test_output.npy]
weights:
  torchscript:
    source: weights.pt
    sha256: )" + sha_of("weights") + "\n";
  }
  ValidationReport validate() {
    write(dir_ / "rdf.yaml", rdf);
    return validate_model(dir_.path());
  }

  std::string rdf;

 private:
  TempDir dir_;
};

TEST(Validate04, HandWrittenBundleIsValid) {
  Bundle04 b;
  const ValidationReport r = b.validate();
  EXPECT_TRUE(r.valid()) << dump(r);
  // 0.4 is superseded; README.md is no image
  EXPECT_EQ(paths(r.warnings), (std::vector<std::string>{"format_version", "covers[0]"})) << dump(r);
}

TEST(Validate04, AxisLetters) {
  Bundle04 b;
  replace(b.rdf, "    axes: bcyx\n    data_type: float32\n    shape: {min", "    axes: bcqq\n    data_type: float32\n    shape: {min");
  const ValidationReport r = b.validate();
  EXPECT_TRUE(has(r.errors, "inputs[0].axes")) << dump(r);
  EXPECT_NE(r.errors[0].message.find("\"q\""), std::string::npos) << dump(r);
}

TEST(Validate04, ShapeListsOnePerAxis) {
  Bundle04 b;
  replace(b.rdf, "step: [0, 0, 2, 2]", "step: [0, 0, -2, 2]");
  replace(b.rdf, "offset: [0, 0, 0, 0]", "offset: [0, 0, 0]");
  const ValidationReport r = b.validate();
  EXPECT_EQ(paths(r.errors), (std::vector<std::string>{"inputs[0].shape.step[2]", "outputs[0].shape.offset"})) << dump(r);
}

TEST(Validate04, ReferenceToAnUnknownTensor) {
  Bundle04 b;
  replace(b.rdf, "reference_tensor: raw", "reference_tensor: input");
  expect_only_error(b.validate(), "outputs[0].shape.reference_tensor", "\"input\"");
}

TEST(Validate04, HaloAgainstTheSmallestReferencedSizeIsAWarningBefore05) {
  Bundle04 b;  // 0.5 made it a rule; published 0.4/0.3 bundles break it and run with larger tiles
  replace(b.rdf, "halo: [0, 0, 2, 2]", "halo: [0, 0, 2, 4]");
  const ValidationReport r = b.validate();
  EXPECT_TRUE(r.valid()) << dump(r);
  ASSERT_TRUE(has(r.warnings, "outputs[0].halo[3]")) << dump(r);
  EXPECT_NE(r.warnings.back().message.find("halo 4 along \"x\" leaves nothing of the smallest size 8"), std::string::npos) << dump(r);
}

TEST(Validate04, TestInputsAreFilesOfTheBundle) {
  Bundle04 b;
  replace(b.rdf, "test_inputs: [test_input.npy]", "test_inputs: [input.npy]");
  expect_only_error(b.validate(), "test_inputs[0]", "\"input.npy\"");
}

TEST(Validate04, OpNameAndModeAreChecked) {
  Bundle04 b;
  replace(b.rdf, "kwargs: {mode: per_sample, axes: yx}", "kwargs: {mode: per_image, axes: yx}");
  const ValidationReport r = b.validate();
  ASSERT_EQ(r.errors.size(), 1u) << dump(r);
  EXPECT_EQ(r.errors[0].path.rfind("inputs[0].preprocessing[0].kwargs", 0), 0u) << dump(r);
  Bundle04 c;
  replace(c.rdf, "- name: zero_mean_unit_variance", "- name: zero_mean");
  expect_only_error(c.validate(), "inputs[0].preprocessing[0].name", "\"zero_mean\"");
}

TEST(Validate04, Version03ReadsWithTheSameRules) {
  Bundle04 b;
  replace(b.rdf, "format_version: 0.4.10", "format_version: 0.3.6");
  replace(b.rdf, "reference_tensor: raw", "reference_input: raw");
  const ValidationReport r = b.validate();
  EXPECT_TRUE(r.valid()) << dump(r);
}

}  // namespace
}  // namespace deepimage
