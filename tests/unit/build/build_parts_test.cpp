// The parts of `deepimage build` that need no network: the text forms of size rules, ops and
// authors; what a weights file is (the ONNX opsets checked against the onnx Python package's reading
// of the same files, and against the opset the rdfs declare); build.yaml's strictness; the cover's
// geometry and contrast stretch on a tensor small enough to work out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>

#include "build/cover.hpp"
#include "build/weights_file.hpp"
#include "deepimage/build.hpp"
#include "deepimage/error.hpp"
#include "model/spec_json.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(BuildText, SizeRules) {
  AxisSize fixed = parse_size_rule("256", "input.size.y");
  EXPECT_EQ(fixed.kind, AxisSize::Kind::fixed);
  EXPECT_EQ(fixed.value, 256);
  AxisSize param = parse_size_rule(" 64/16 ", "input.size.y");
  EXPECT_EQ(param.kind, AxisSize::Kind::parameterized);
  EXPECT_EQ(param.min, 64);
  EXPECT_EQ(param.step, 16);
  AxisSize same = parse_size_rule("ref", "output.size.y");
  EXPECT_EQ(same.kind, AxisSize::Kind::reference);
  EXPECT_EQ(same.factor, 1.0);
  EXPECT_EQ(same.offset, 0.0);
  AxisSize scaled = parse_size_rule("ref*0.5-8", "output.size.y");
  EXPECT_EQ(scaled.factor, 0.5);
  EXPECT_EQ(scaled.offset, -8.0);
  EXPECT_EQ(parse_size_rule("ref+16", "output.size.y").offset, 16.0);
  EXPECT_EQ(parse_size_rule("ref*2", "output.size.y").factor, 2.0);
  for (const char* bad : {"", "0", "-5", "64/", "a/b", "ref*", "ref*0", "ref*-2", "ref/2", "ref+x", "12px"})
    EXPECT_NE(error_of([&] { parse_size_rule(bad, "input.size.y"); }).find("input.size.y \"" + std::string(bad) + "\" is not a size rule"),
              std::string::npos)
        << bad;
}

TEST(BuildText, OpsAndAuthors) {
  const OpSpec plain = parse_op("sigmoid", "--postprocess");
  EXPECT_EQ(plain.id, "sigmoid");
  EXPECT_TRUE(kwargs_of(plain).is_object() && kwargs_of(plain).empty());
  const OpSpec with = parse_op("scale_range:{\"min_percentile\": 1, \"axes\": [\"y\", \"x\"]}", "--preprocess");
  EXPECT_EQ(with.id, "scale_range");
  EXPECT_EQ(kwargs_of(with)["min_percentile"], 1);
  EXPECT_EQ(kwargs_of(with)["axes"], nlohmann::json({"y", "x"}));
  EXPECT_NE(error_of([] { parse_op("clip:[1, 2]", "--postprocess"); }).find("are not a JSON object"), std::string::npos);
  EXPECT_NE(error_of([] { parse_op(":{}", "--postprocess"); }).find("names no op"), std::string::npos);

  const Author a = parse_author("Jane Doe; EMBL Heidelberg; janedoe", "--author");
  EXPECT_EQ(a.name, "Jane Doe");
  EXPECT_EQ(a.affiliation, "EMBL Heidelberg");
  EXPECT_EQ(a.github_user, "janedoe");
  EXPECT_EQ(parse_author("Solo", "--author").affiliation, "");
  EXPECT_NE(error_of([] { parse_author("; EMBL", "--author"); }).find("is not an author"), std::string::npos);
  EXPECT_NE(error_of([] { parse_author("a; b; c; d", "--author"); }).find("is not an author"), std::string::npos);
}

TEST(WeightsFile, FormatAndOpsetFromTheContent) {
  // Opsets as `onnx.load(f).opset_import` reports them (and the rdfs beside them declare).
  const std::vector<std::pair<fs::path, std::string>> onnx_files = {
      {source_dir() / "examples/nuclei_unet2d/weights.onnx", "11"},
      {source_dir() / "tests/data/models/hardmax_onnx/hardmax.onnx", "13"},
      {realdata() / "unet2d_nuclei_broad/weights.onnx", "20"},
      {realdata() / "unet2d_nuclei_broad_2021export/weights.onnx", "12"},
      {realdata() / "unet2d_nuclei_broad_tiktorch_opset9/weights.onnx", "9"}};
  for (const auto& [file, opset] : onnx_files) {
    if (!fs::exists(file)) continue;
    const build::WeightsFile w = build::inspect_weights(file, "");
    EXPECT_EQ(w.format, "onnx") << file;
    EXPECT_EQ(w.version, opset) << file;
  }
  const fs::path pt = source_dir() / "tests/data/models/laplace2d_tiny/weights.pt";
  EXPECT_EQ(build::inspect_weights(pt, "").format, "torchscript");
  EXPECT_EQ(build::inspect_weights(pt, "torchscript").format, "torchscript");
  EXPECT_NE(error_of([&] { build::inspect_weights(pt, "onnx"); }).find("is a TorchScript archive; expected weights_format torchscript"),
            std::string::npos);
  EXPECT_NE(error_of([&] { build::inspect_weights(pt, "keras_hdf5"); }).find("expected weights_format torchscript"), std::string::npos);
  EXPECT_NE(error_of([&] { build::inspect_weights(pt, "tensorflow_js"); }).find("expected torchscript, onnx, keras_hdf5 or tensorflow_saved_model_bundle"), std::string::npos);
  const fs::path h5 = realdata() / "unet2d_pancreatic_keras_dij/unet_pancreatic_cell_segmentation.h5";
  if (fs::exists(h5)) {
    EXPECT_EQ(build::inspect_weights(h5, "").format, "keras_hdf5");
    EXPECT_NE(error_of([&] { build::inspect_weights(h5, "onnx"); }).find("is an HDF5 file; expected weights_format keras_hdf5"), std::string::npos);
  }

  TempDir dir;
  std::ofstream(dir / "notes.onnx") << "these are not weights\n";
  EXPECT_NE(error_of([&] { build::inspect_weights(dir / "notes.onnx", ""); }).find("is neither a TorchScript archive"), std::string::npos);
  EXPECT_NE(error_of([&] { build::inspect_weights(dir / "missing.pt", ""); }).find("is not a file"), std::string::npos);
}

// SavedModels as a folder, its saved_model.pb, or a zip (with a model.yaml beside it too, as N2V's): the
// TensorFlow version their meta graph records, as their SOURCE.txt states it.
TEST(WeightsFile, SavedModelVersionFromItsMetaGraph) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const fs::path defcon = realdata() / "defcon_imagej_savedmodel/tf_density_count";
  const struct {
    fs::path path, location;
    std::string version;
  } cases[] = {{defcon, defcon, "1.3.0"},
               {defcon / "saved_model.pb", defcon, "1.3.0"},
               {realdata() / "tiktorch_dummy_tf_savedmodel/dummy-model-weights.zip", realdata() / "tiktorch_dummy_tf_savedmodel/dummy-model-weights.zip", "1.14.0"},
               {realdata() / "n2v_fiji_tf_savedmodel/format-0.2.0-csbdeep.bioimage.io.zip",
                realdata() / "n2v_fiji_tf_savedmodel/format-0.2.0-csbdeep.bioimage.io.zip", "1.13.1"}};
  for (const auto& c : cases) {
    const build::WeightsFile w = build::inspect_weights(c.path, "");
    EXPECT_EQ(w.format, "tensorflow_saved_model_bundle") << c.path;
    EXPECT_EQ(w.version, c.version) << c.path;
    EXPECT_EQ(w.location, c.location) << c.path;
  }
  EXPECT_NE(error_of([&] { build::inspect_weights(defcon, "onnx"); }).find("which is a TensorFlow SavedModel; expected weights_format tensorflow_saved_model_bundle"),
            std::string::npos);
  EXPECT_NE(error_of([&] { build::inspect_weights(defcon.parent_path(), ""); }).find("is a folder without saved_model.pb"), std::string::npos);
  const fs::path pt = source_dir() / "tests/data/models/laplace2d_tiny/weights.pt";
  EXPECT_NE(error_of([&] { build::inspect_weights(pt, "tensorflow_saved_model_bundle"); }).find("which holds no saved_model.pb"),
            std::string::npos);
}

// Protobuf written by hand (wire format: tag = field << 3 | type, then a length): the version of the meta
// graph tagged "serve" is taken, whichever comes first; none recorded is empty; other bytes are refused.
TEST(WeightsFile, SavedModelVersionIsTheServingMetaGraphs) {
  const auto len = [](const std::string& field_tag, const std::string& body) {
    return field_tag + std::string(1, static_cast<char>(body.size())) + body;
  };
  // MetaInfoDef {tags = 4, tensorflow_version = 5} in MetaGraphDef.meta_info_def (1) in SavedModel.meta_graphs (2).
  const auto meta_graph = [&](const std::string& tag, const std::string& version) {
    std::string info = len("\x22", tag);
    if (!version.empty()) info += len("\x2a", version);
    return len("\x12", len("\x0a", info));
  };
  TempDir dir;
  const auto version_of = [&](const std::string& saved_model_pb) {
    fs::create_directories(dir / "sm");
    std::ofstream(dir / "sm/saved_model.pb", std::ios::binary) << saved_model_pb;
    return build::inspect_weights(dir / "sm", "").version;
  };
  const std::string schema = "\x08\x01";  // saved_model_schema_version: 1
  EXPECT_EQ(version_of(schema + meta_graph("train", "1.2.0") + meta_graph("serve", "1.15.0")), "1.15.0");
  EXPECT_EQ(version_of(schema + meta_graph("serve", "")), "");
  EXPECT_EQ(version_of(schema + meta_graph("train", "1.4.1")), "1.4.1");
  EXPECT_NE(error_of([&] { version_of("\xff\xff\xff"); }).find("its saved_model.pb is not a SavedModel with a meta graph"), std::string::npos);
}

TEST(BuildFile, KeysAreCheckedAndPathsAreRelativeToTheFile) {
  TempDir dir;
  std::ofstream(dir / "build.yaml") << "weights: w.pt\nexample: /abs/cells.tif\nbundle: out.zip\n"
                                       "input: {axes: bcyx, size: {y: 64/16, x: 256}}\n"
                                       "output: {axes: bcyx, halo: {y: 8, x: 8}, postprocessing: [sigmoid, {id: clip, kwargs: {min: 0}}]}\n";
  const BuildRequest r = read_build_file(dir / "build.yaml");
  EXPECT_EQ(r.weights, dir / "w.pt");
  EXPECT_EQ(r.example, fs::path("/abs/cells.tif"));
  EXPECT_EQ(r.output_path, dir / "out.zip");
  EXPECT_EQ(r.input.size.at('y').step, 16);
  EXPECT_EQ(r.input.size.at('x').value, 256);
  EXPECT_EQ(r.output.halo.at('y'), 8);
  ASSERT_EQ(r.output.ops.size(), 2u);
  EXPECT_EQ(r.output.ops[0].id, "sigmoid");
  EXPECT_EQ(kwargs_of(r.output.ops[1])["min"], 0);

  std::ofstream(dir / "typo.yaml") << "wieghts: w.pt\n";
  EXPECT_NE(error_of([&] { read_build_file(dir / "typo.yaml"); }).find("(\"wieghts\" is not one)"), std::string::npos);
  std::ofstream(dir / "axis.yaml") << "input: {size: {q: 8}}\n";
  EXPECT_NE(error_of([&] { read_build_file(dir / "axis.yaml"); }).find("not \"q\""), std::string::npos);
}

// docs/build.md's build.yaml is read as the documentation says (every key it shows exists).
TEST(BuildFile, TheDocumentedExampleReads) {
  const std::string doc = slurp(source_dir() / "docs/build.md");
  const auto begin = doc.find("```yaml\n");
  ASSERT_NE(begin, std::string::npos);
  const auto end = doc.find("```", begin + 8);
  TempDir dir;
  std::ofstream(dir / "build.yaml") << doc.substr(begin + 8, end - begin - 8);
  const BuildRequest r = read_build_file(dir / "build.yaml");
  EXPECT_EQ(r.weights, dir / "weights.pt");
  EXPECT_EQ(r.license, "MIT");
  EXPECT_EQ(r.authors.at(0).github_user, "janedoe");
  EXPECT_EQ(r.cite.at(0).doi, "10.1007/978-3-319-24574-4_28");
  EXPECT_EQ(r.input.axes, "bcyx");
  EXPECT_EQ(r.input.size.at('y').min, 64);
  EXPECT_EQ(r.input.ops.at(0).id, "zero_mean_unit_variance");
  EXPECT_EQ(r.output.size.at('x').kind, AxisSize::Kind::reference);
  EXPECT_EQ(r.output.halo.at('y'), 32);
  EXPECT_EQ(r.output.ops.at(0).id, "sigmoid");
  EXPECT_EQ(r.output_path, dir / "nuclei.zip");
}

TEST(Cover, SideBySideStretchedPlanes) {
  // Input "bcyx" 1x1x2x4 with values 0..7; output twice as large (8 pixels along x, 4 along y).
  Tensor in(DType::f32, {1, 1, 2, 4}, "bcyx");
  for (int i = 0; i < 8; ++i) in.data<float>()[i] = static_cast<float>(i);
  Tensor out(DType::f32, {1, 1, 4, 8}, "bcyx");
  for (int i = 0; i < 32; ++i) out.data<float>()[i] = i < 16 ? 0.f : 1.f;  // top half 0, bottom half 1
  const Tensor cover = build::render_cover(in, out);
  // 2x4 scaled to 256 on the longer side: 128x256 per panel, two panels.
  ASSERT_EQ(cover.shape(), (Shape{128, 512, 3}));
  const auto at = [&](std::int64_t y, std::int64_t x) { return static_cast<int>(cover.data<std::uint8_t>()[(y * 512 + x) * 3]); };
  // Stretch from the 0.5th (0.035) to the 99.5th (6.965) percentile of 0..7 (numpy linear).
  EXPECT_EQ(at(0, 0), 0);
  EXPECT_EQ(at(127, 255), 255);
  EXPECT_EQ(at(0, 64), static_cast<int>(std::lround((1 - 0.035) / (6.965 - 0.035) * 255)));
  // The output's panel: top half black, bottom half white.
  EXPECT_EQ(at(10, 300), 0);
  EXPECT_EQ(at(120, 300), 255);
  // Grey: every channel the same.
  EXPECT_EQ(cover.data<std::uint8_t>()[(64 * 512 + 100) * 3], cover.data<std::uint8_t>()[(64 * 512 + 100) * 3 + 2]);
}

}  // namespace
}  // namespace deepimage::testing
