// Bare network files (no rdf) through the commands other than `run`, and `deepimage build` from a bare
// TF1 SavedModel folder or zip. References: the SavedModels' own documented tensors and values
// (SOURCE.txt), the bare folder run directly, and a bundle's own test tensors.
#include <gtest/gtest.h>

#include <zip.h>

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "io/image.hpp"
#include "io/npy.hpp"
#include "model/bundle.hpp"
#include "model/rdf.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"
#include "support/zip_files.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

fs::path defcon() { return realdata() / "defcon_imagej_savedmodel/tf_density_count"; }

// DEFCoN-ImageJ's SavedModel has no signature and 35 placeholders (SOURCE.txt: feed input_tensor,
// fetch output_tensor): info and bench refuse it unnamed and read it named, as run does.
TEST(BareModel, InfoAndBenchTakeTheTensorNames) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const CliResult unnamed = run_cli({"info", defcon().string(), "--json"});
  EXPECT_EQ(unnamed.exit_code, 1);
  EXPECT_NE(unnamed.err.find("has no signature and 35 placeholders"), std::string::npos) << unnamed.err;
  EXPECT_EQ(line_count(unnamed.err), 1) << unnamed.err;

  const CliResult info = run_cli({"info", defcon().string(), "--input-name", "input_tensor", "--output-name", "output_tensor", "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const nlohmann::json card = nlohmann::json::parse(info.out);
  EXPECT_EQ(card["inputs"][0]["id"], "input_tensor:0");
  EXPECT_EQ(card["inputs"][0]["axes"], "byxc");  // a 4-d TF tensor: NHWC
  EXPECT_EQ(card["outputs"][0]["id"], "output_tensor:0");

  const CliResult bench = run_cli({"bench", defcon().string(), "--input-name", "input_tensor", "--output-name", "output_tensor",
                                   "--tile", "y=32,x=32", "--rounds", "1", "--threads", "2", "--json"});
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  EXPECT_EQ(nlohmann::json::parse(bench.out)["tile_shape"], nlohmann::json({32, 32}));

  const CliResult unknown = run_cli({"info", defcon().string(), "--input-name", "no_such_tensor", "--output-name", "output_tensor"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no_such_tensor"), std::string::npos) << unknown.err;
  EXPECT_EQ(line_count(unknown.err), 1) << unknown.err;
}

// The model card every build below gives (build_test.cpp checks these fields themselves).
std::vector<std::string> build_args(const fs::path& weights, const fs::path& example, const fs::path& output) {
  return {"build", "--weights", weights.string(), "--example", example.string(), "--name", "Bare SavedModel (built)",
          "--description", "A bare TF1 SavedModel packaged by deepimage build.", "--author", "Jane Doe", "--license", "MIT",
          "--cite", "DEFCoN; https://github.com/LEB-EPFL/DEFCoN", "-o", output.string(), "--threads", "2"};
}

// The names of a zip's entries, as libzip lists them (no folder stripped).
std::vector<std::string> zip_entries(const std::vector<std::byte>& bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  zip_t* z = zip_open_from_source(source, ZIP_RDONLY, &error);
  zip_error_fini(&error);
  std::vector<std::string> names;
  if (!z) return names;
  for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); ++i) names.push_back(zip_get_name(z, static_cast<zip_uint64_t>(i), 0));
  zip_discard(z);
  std::sort(names.begin(), names.end());
  return names;
}

// Frame 1 (ImageJ's; index 0) of DEFCoN's test stack as float32, unscaled (SOURCE.txt).
fs::path defcon_frame(const fs::path& dir) {
  Tensor stack = io::read_image(realdata() / "defcon_imagej_savedmodel/test_data.tif").pixels.converted(DType::f32);
  const std::int64_t h = stack.shape()[1], w = stack.shape()[2];
  Tensor frame(DType::f32, {h, w}, "yx");
  std::copy_n(stack.data<float>(), h * w, frame.data<float>());
  io::write_npy(frame, dir / "frame1.npy");
  return dir / "frame1.npy";
}

// DEFCoN's bare SavedModel folder (TF 1.3, no signature: --input-name/--output-name) built into a zip:
// the SavedModel zipped at the root of tensorflow_saved_model_bundle.zip, its recorded tensorflow_version,
// the graph's names as ids and NHWC axes; the bundle passes test and validate, its test output is the
// dropout-free reference density of frame 1, and `run` on it equals `run` on the bare folder.
TEST(BareModelBuild, DefconSavedModelFolderBecomesABundleThatRunsAsTheFolder) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const fs::path frame = defcon_frame(dir.path());
  const fs::path bundle = dir / "defcon.zip";
  std::vector<std::string> args = build_args(defcon(), frame, bundle);
  args.insert(args.end(), {"--input-name", "input_tensor", "--output-name", "output_tensor", "--input-size", "y=32,x=32"});
  const CliResult built = run_cli(args);
  ASSERT_EQ(built.exit_code, 0) << built.err;

  const model::Bundle b = model::Bundle::open(bundle);
  const ModelSpec spec = model::parse_rdf(b.read_text("rdf.yaml"), "rdf.yaml");
  ASSERT_EQ(spec.weights.size(), 1u);
  EXPECT_EQ(spec.weights[0].format, "tensorflow_saved_model_bundle");
  EXPECT_EQ(spec.weights[0].source, "tensorflow_saved_model_bundle.zip");
  EXPECT_EQ(spec.weights[0].version, "1.3.0");  // SOURCE.txt: tensorflow 1.3.0
  const std::vector<std::byte> weights = b.read("tensorflow_saved_model_bundle.zip");
  EXPECT_EQ(spec.weights[0].sha256, model::sha256_hex(weights));
  EXPECT_EQ(zip_entries(weights), (std::vector<std::string>{"saved_model.pb", "variables/variables.data-00000-of-00001",
                                                             "variables/variables.index"}));
  // The zipped SavedModel is the folder's, byte for byte.
  {
    std::ofstream out(dir / "weights.zip", std::ios::binary);
    out.write(reinterpret_cast<const char*>(weights.data()), static_cast<std::streamsize>(weights.size()));
  }
  for (const char* name : {"saved_model.pb", "variables/variables.index"})
    EXPECT_EQ(model::Bundle::open_files(dir / "weights.zip").read(name), model::Bundle::open_files(defcon()).read(name)) << name;
  EXPECT_EQ(spec.inputs.at(0).id, "input_tensor");
  EXPECT_EQ(spec.inputs[0].axes_string(), "byxc");
  EXPECT_EQ(spec.outputs.at(0).id, "output_tensor");
  EXPECT_EQ(spec.outputs[0].axes_string(), "byxc");

  const CliResult tested = run_cli({"test", bundle.string(), "--threads", "2"});
  EXPECT_EQ(tested.exit_code, 0) << tested.out << tested.err;
  const CliResult validated = run_cli({"validate", bundle.string()});
  EXPECT_EQ(validated.exit_code, 0) << validated.out << validated.err;

  Tensor density = io::read_npy_bytes(b.read("test_output.npy"), "test_output.npy");
  const Tensor reference = io::read_npy(realdata() / "defcon_imagej_savedmodel/reference_density_tfjs_nodropout.npy");
  ASSERT_EQ(density.element_count(), 32 * 32);
  Tensor reference_frame(DType::f32, {1, 32, 32, 1}, "byxc");
  std::copy_n(reference.data<float>(), 32 * 32, reference_frame.data<float>());
  EXPECT_LT(max_abs_diff(density, reference_frame), kDefconVsTfjsMaxAbs);

  const CliResult from_bundle = run_cli({"run", bundle.string(), frame.string(), "-o", (dir / "bundle.npy").string(), "--threads", "2", "--quiet"});
  ASSERT_EQ(from_bundle.exit_code, 0) << from_bundle.err;
  const CliResult from_folder = run_cli({"run", defcon().string(), frame.string(), "-o", (dir / "folder.npy").string(), "--input-name",
                                         "input_tensor", "--output-name", "output_tensor", "--threads", "2", "--quiet"});
  ASSERT_EQ(from_folder.exit_code, 0) << from_folder.err;
  EXPECT_EQ(max_abs_diff(io::read_npy(dir / "bundle.npy"), io::read_npy(dir / "folder.npy")), 0.0);
}

// The SavedModel may come as a zip: tiktorch's dummy (TF 1.14, signature input0 -> output0, f32
// [-1,1,32,32]: NCHW, so the axes are given) built into a folder reproduces the shipped test output
// (-1 * the uint8 input, SOURCE.txt); the bundle's zip holds the SavedModel's files only, at its root.
TEST(BareModelBuild, ZippedSavedModelWithASignatureReproducesItsShippedTestOutput) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const fs::path m = realdata() / "tiktorch_dummy_tf_savedmodel";
  TempDir dir;
  const fs::path bundle = dir / "dummy";
  std::vector<std::string> args = build_args(m / "dummy-model-weights.zip", m / "test_input.npy", bundle);
  args.insert(args.end(), {"--input-axes", "bcyx", "--output-axes", "bcyx", "--input-size", "y=32,x=32"});
  const CliResult built = run_cli(args);
  ASSERT_EQ(built.exit_code, 0) << built.err;
  const ModelSpec spec = model::parse_rdf(slurp(bundle / "rdf.yaml"), "rdf.yaml");
  EXPECT_EQ(spec.weights.at(0).version, "1.14.0");  // SOURCE.txt: saved_model.pb TF 1.14
  EXPECT_EQ(spec.inputs.at(0).id, "input0");         // the signature's keys
  EXPECT_EQ(spec.outputs.at(0).id, "output0");
  std::ifstream zipped(bundle / "tensorflow_saved_model_bundle.zip", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(zipped)), std::istreambuf_iterator<char>());
  const std::vector<std::string> names = zip_entries(std::vector<std::byte>(reinterpret_cast<const std::byte*>(bytes.data()),
                                                                            reinterpret_cast<const std::byte*>(bytes.data() + bytes.size())));
  EXPECT_TRUE(std::find(names.begin(), names.end(), "saved_model.pb") != names.end()) << names.size();
  for (const std::string& name : names)
    EXPECT_TRUE(name == "saved_model.pb" || name.starts_with("variables/") || name.starts_with("assets/")) << name;
  EXPECT_EQ(max_abs_diff(io::read_npy(bundle / "test_output.npy"), io::read_npy(m / "test_output.npy")), 0.0);
  const CliResult tested = run_cli({"test", bundle.string(), "--threads", "2"});
  EXPECT_EQ(tested.exit_code, 0) << tested.out << tested.err;
}

// N2V's zip holds a training graph, a model.yaml and test images beside its SavedModel (TF 1.13.1,
// signature input -> output): only saved_model.pb and variables/ go into the bundle's zip, and the bundle
// passes its test. (Its shipped test pair does not come from these weights: not compared.)
TEST(BareModelBuild, OnlyTheSavedModelsOwnFilesAreZipped) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const fs::path m = realdata() / "n2v_fiji_tf_savedmodel";
  TempDir dir;
  const fs::path bundle = dir / "n2v.zip";
  std::vector<std::string> args = build_args(m / "format-0.2.0-csbdeep.bioimage.io.zip", m / "testinput.tif", bundle);
  *std::find(args.begin(), args.end(), "MIT") = "BSD-2-Clause";  // N2V_fiji's LICENSE.txt
  args.insert(args.end(), {"--input-size", "y=32,x=32"});
  const CliResult built = run_cli(args);
  ASSERT_EQ(built.exit_code, 0) << built.err;
  const model::Bundle b = model::Bundle::open(bundle);
  const ModelSpec spec = model::parse_rdf(b.read_text("rdf.yaml"), "rdf.yaml");
  EXPECT_EQ(spec.weights.at(0).version, "1.13.1");
  EXPECT_EQ(spec.inputs.at(0).id, "input");
  EXPECT_EQ(spec.inputs[0].axes_string(), "byxc");
  EXPECT_EQ(zip_entries(b.read("tensorflow_saved_model_bundle.zip")),
            (std::vector<std::string>{"saved_model.pb", "variables/variables.data-00000-of-00001", "variables/variables.index"}));
  const CliResult tested = run_cli({"test", bundle.string(), "--threads", "2"});
  EXPECT_EQ(tested.exit_code, 0) << tested.out << tested.err;
}

// A SavedModel zipped with its folder runs bare as the folder does.
TEST(BareModel, ZippedSavedModelRunsAsItsFolder) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const fs::path frame = defcon_frame(dir.path());
  std::vector<std::pair<std::string, std::string>> entries;
  for (const char* name : {"saved_model.pb", "variables/variables.index", "variables/variables.data-00000-of-00001"})
    entries.emplace_back(std::string("tf_density_count/") + name, slurp(defcon() / name));
  make_zip(dir / "defcon.zip", entries);
  const std::vector<std::string> names = {"--input-name", "input_tensor", "--output-name", "output_tensor", "--threads", "2", "--quiet"};
  std::vector<std::string> zipped = {"run", (dir / "defcon.zip").string(), frame.string(), "-o", (dir / "zip.npy").string()};
  std::vector<std::string> folder = {"run", defcon().string(), frame.string(), "-o", (dir / "folder.npy").string()};
  zipped.insert(zipped.end(), names.begin(), names.end());
  folder.insert(folder.end(), names.begin(), names.end());
  const CliResult from_zip = run_cli(zipped), from_folder = run_cli(folder);
  ASSERT_EQ(from_zip.exit_code, 0) << from_zip.err;
  ASSERT_EQ(from_folder.exit_code, 0) << from_folder.err;
  EXPECT_EQ(max_abs_diff(io::read_npy(dir / "zip.npy"), io::read_npy(dir / "folder.npy")), 0.0);
}

// ONNX weights built without axes or ids: bcyx from the graph's rank (NCHW), and the default ids where
// the graph's names ("input.1", "82") are not rdf ids; the test output is what the bare file gives.
TEST(BareModelBuild, OnnxAxesComeFromTheGraphWhenNotGiven) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const fs::path m = realdata() / "unet2d_nuclei_broad";
  TempDir dir;
  std::vector<std::string> args = build_args(m / "weights.onnx", m / "test_input.npy", dir / "nuclei");
  args.insert(args.end(), {"--input-size", "y=512,x=512"});
  const CliResult built = run_cli(args);
  ASSERT_EQ(built.exit_code, 0) << built.err;
  const ModelSpec spec = model::parse_rdf(slurp(dir / "nuclei/rdf.yaml"), "rdf.yaml");
  EXPECT_EQ(spec.inputs.at(0).axes_string(), "bcyx");
  EXPECT_EQ(spec.outputs.at(0).axes_string(), "bcyx");
  EXPECT_EQ(spec.inputs[0].id, "input");
  EXPECT_EQ(spec.outputs[0].id, "output");
  const CliResult bare = run_cli({"run", (m / "weights.onnx").string(), (m / "test_input.npy").string(), "-o", (dir / "bare.npy").string(),
                                  "--threads", "2", "--quiet"});
  ASSERT_EQ(bare.exit_code, 0) << bare.err;
  EXPECT_EQ(max_abs_diff(io::read_npy(dir / "nuclei/test_output.npy"), io::read_npy(dir / "bare.npy")), 0.0);
}

// Refused with one line naming the thing, exit 1, and nothing left in the output folder: a folder
// without saved_model.pb, a TF2 SavedModel, an unknown tensor name, no name where the graph has many
// candidates, an id a SavedModel without a signature cannot find its tensor by, a format it is not.
TEST(BareModelBuild, BadSavedModelsAreRefusedNamingTheValueAndLeaveNothing) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const fs::path frame = defcon_frame(dir.path());
  const auto expect_refused = [&](const fs::path& weights, std::vector<std::string> extra, const std::string& expected) {
    std::vector<std::string> args = build_args(weights, frame, dir / "out.zip");
    extra.insert(extra.end(), {"--input-size", "y=32,x=32"});
    args.insert(args.end(), extra.begin(), extra.end());
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 1) << weights;
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
    EXPECT_EQ(line_count(r.err), 1) << r.err;
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(dir.path())) left.push_back(e.path().filename().string());
    EXPECT_EQ(left, std::vector<std::string>{"frame1.npy"}) << r.err;
  };
  const fs::path no_pb = realdata() / "defcon_imagej_savedmodel";
  expect_refused(no_pb, {}, "weights \"" + no_pb.string() + "\" is a folder without saved_model.pb");
  const fs::path tf2 = realdata() / "tf_serving_half_plus_two/saved_model_half_plus_two_tf2_cpu/00000123";
  expect_refused(tf2, {}, "\"" + tf2.string() + "\" is a TensorFlow 2 SavedModel");
  expect_refused(defcon(), {"--input-name", "no_such_tensor", "--output-name", "output_tensor"}, "input \"no_such_tensor\" is not a node of");
  expect_refused(defcon(), {}, "has no signature and 35 placeholders");
  // half_plus_two: x:0 f32[-1,1] (SOURCE.txt), no image.
  expect_refused(realdata() / "tf_serving_half_plus_two/saved_model_half_plus_two_cpu/00000123", {},
                 "input.axes is missing, and the graph's input tensor \"x\" of");
  expect_refused(defcon(), {"--input-name", "input_tensor", "--output-name", "output_tensor", "--input-id", "raw"},
                 "input.id \"raw\" is not the name of the input tensor \"input_tensor\"");
  expect_refused(defcon(), {"--input-name", "input_tensor", "--output-name", "output_tensor", "--weights-format", "onnx"},
                 "weights_format \"onnx\" does not match");
}

}  // namespace
}  // namespace deepimage::testing
