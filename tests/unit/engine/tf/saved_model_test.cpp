// load_saved_model on the real TF1 SavedModels of ../shared/realdata (folders, zips, a zip named by a
// 0.4 rdf), what freezing and pruning leave of their graphs, and the refusals (TF2, bad names).
#include "engine/tf/saved_model.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <fstream>
#include <set>

#include "deepimage/error.hpp"
#include "engine/tf/graph_passes.hpp"
#include "support/cli.hpp"
#include "support/zip_files.hpp"

namespace deepimage::testing {
namespace {

using engine::tf::FrozenGraph;
using engine::tf::load_saved_model;
using engine::tf::SavedModelFiles;
namespace fs = std::filesystem;
namespace tfproto = deepimage::tfproto;

FrozenGraph load(const fs::path& path, const std::vector<std::string>& feeds = {},
                 const std::vector<std::string>& fetches = {}) {
  return load_saved_model(SavedModelFiles::at_path(path), feeds, fetches);
}

std::map<std::string, int> op_counts(const tfproto::GraphDef& g) {
  std::map<std::string, int> counts;
  for (const auto& n : g.node()) counts[n.op()]++;
  return counts;
}

std::vector<float> const_floats(const tfproto::GraphDef& g, const std::string& name) {
  const tfproto::NodeDef* node = engine::tf::find_node(g, name);
  EXPECT_NE(node, nullptr) << name;
  if (!node) return {};
  EXPECT_EQ(node->op(), "Const") << name;
  const tfproto::TensorProto& t = node->attr().at("value").tensor();
  if (!t.tensor_content().empty()) {
    std::vector<float> out(t.tensor_content().size() / sizeof(float));
    std::memcpy(out.data(), t.tensor_content().data(), out.size() * sizeof(float));
    return out;
  }
  return {t.float_val().begin(), t.float_val().end()};
}

std::pair<ErrorCode, std::string> error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line: " << e.what();
    return {e.code(), e.what()};
  }
  return {ErrorCode::internal, ""};
}

fs::path serving(const std::string& model) { return realdata() / "tf_serving_half_plus_two" / model / "00000123"; }
fs::path defcon() { return realdata() / "defcon_imagej_savedmodel/tf_density_count"; }

// No node that only training or saving needs may survive freezing and pruning.
void expect_inference_only(const tfproto::GraphDef& g) {
  for (const auto& n : g.node())
    for (const char* op : {"VariableV2", "Variable", "VarHandleOp", "ReadVariableOp", "Switch", "Merge", "RandomUniform",
                           "Assign", "RestoreV2", "SaveV2", "PlaceholderWithDefault"})
      EXPECT_NE(n.op(), op) << "node " << n.name();
  for (const auto& n : g.node())
    for (const auto& input : n.input()) EXPECT_FALSE(input.starts_with("^")) << n.name() << " keeps control input " << input;
}

TEST(SavedModel, HalfPlusTwoBySignature) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const FrozenGraph f = load(serving("saved_model_half_plus_two_cpu"));
  EXPECT_EQ(f.tensorflow_version, "1.14.0");
  EXPECT_EQ(f.signature, "serving_default");
  ASSERT_EQ(f.feeds.size(), 1u);
  ASSERT_EQ(f.fetches.size(), 1u);
  EXPECT_EQ(f.feeds[0].name, "x:0");
  EXPECT_EQ(f.feeds[0].signature_key, "x");
  EXPECT_EQ(f.feeds[0].dtype, tfproto::DT_FLOAT);
  EXPECT_EQ(f.feeds[0].shape, (std::vector<std::int64_t>{-1, 1}));
  EXPECT_EQ(f.fetches[0].name, "y:0");
  EXPECT_EQ(f.variables_frozen, 2);
  // y = a * x + b, with a and b frozen from the (snappy) bundle; the tf.Example parsing is pruned away.
  EXPECT_EQ(const_floats(f.graph, "a"), std::vector<float>{0.5f});
  EXPECT_EQ(const_floats(f.graph, "b"), std::vector<float>{2.0f});
  const auto ops = op_counts(f.graph);
  EXPECT_EQ(ops.at("Placeholder"), 1);
  EXPECT_EQ(ops.at("Mul"), 1);
  EXPECT_EQ(ops.count("ParseExample"), 0u);
  expect_inference_only(f.graph);
}

TEST(SavedModel, HalfPlusThreeAndMatrixHalfPlusTwo) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const FrozenGraph three = load(serving("saved_model_half_plus_three"));
  EXPECT_EQ(const_floats(three.graph, "b"), std::vector<float>{3.0f});
  // Its signature gives no shape for x: the node's recorded output shape is used, not a scalar.
  EXPECT_EQ(three.feeds[0].shape, (std::vector<std::int64_t>{-1, 1}));
  // TF 1.2, constants only: no variables folder.
  const FrozenGraph matrix = load(realdata() / "tf_serving_half_plus_two/matrix_half_plus_two/1");
  EXPECT_EQ(matrix.variables_frozen, 0);
  EXPECT_EQ(matrix.feeds[0].name, "x:0");
  EXPECT_EQ(matrix.feeds[0].shape, (std::vector<std::int64_t>{-1, 3, 3}));
  EXPECT_EQ(matrix.fetches[0].name, "y:0");
}

TEST(SavedModel, RefusesTensorFlow2) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto [code, message] = error_of([] { load(serving("saved_model_half_plus_two_tf2_cpu")); });
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_NE(message.find("TensorFlow 2 SavedModel (tensorflow 2.14.0)"), std::string::npos) << message;
  EXPECT_NE(message.find("StatefulPartitionedCall"), std::string::npos) << message;
  EXPECT_NE(message.find("not supported"), std::string::npos) << message;
}

TEST(SavedModel, DefconWithoutSignatureFrozenAndPruned) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const FrozenGraph f = load(defcon(), {"input_tensor"}, {"output_tensor"});
  EXPECT_EQ(f.tensorflow_version, "1.3.0");
  EXPECT_EQ(f.signature, "");
  EXPECT_EQ(f.feeds[0].name, "input_tensor:0");
  EXPECT_EQ(f.feeds[0].dtype, tfproto::DT_FLOAT);
  EXPECT_EQ(f.fetches[0].name, "output_tensor:0");
  EXPECT_EQ(f.variables_frozen, 30);  // SOURCE.txt: VariableV2(30) on the input -> output path
  const auto ops = op_counts(f.graph);
  EXPECT_EQ(ops.at("Conv2D"), 12);
  EXPECT_EQ(ops.at("Conv2DBackpropInput"), 4);
  EXPECT_EQ(ops.at("Placeholder"), 1);
  EXPECT_EQ(ops.at("Const"), 51 + 30);  // the graph's own constants (shapes, reduction axes) and the variables
  expect_inference_only(f.graph);
  // The input -> output closure of the GraphDef (data inputs only), counted by a separate Python walk.
  EXPECT_EQ(f.graph.node_size(), 192);

  // Without names: 35 placeholders (Keras's set_weights ones, other model copies) make the input ambiguous.
  const auto [code, message] = error_of([] { load(defcon()); });
  EXPECT_EQ(code, ErrorCode::invalid_argument);
  EXPECT_NE(message.find("no signature and 35 placeholders"), std::string::npos) << message;
  // Given the input, the output is the one result computed from it (the deconvolutions' shape
  // arithmetic aside).
  const FrozenGraph guessed = load(defcon(), {"input_tensor"});
  EXPECT_EQ(guessed.fetches[0].name, "output_tensor:0");
  EXPECT_EQ(guessed.graph.node_size(), f.graph.node_size());
}

TEST(SavedModel, AFeedCanBeAnIntermediateTensor) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const FrozenGraph f = load(defcon(), {"model_5/hist_norm/truediv:0"}, {"output_tensor"});
  const tfproto::NodeDef* feed = engine::tf::find_node(f.graph, "model_5/hist_norm/truediv");
  ASSERT_NE(feed, nullptr);
  EXPECT_EQ(feed->op(), "Placeholder");
  EXPECT_EQ(feed->input_size(), 0);
  const auto ops = op_counts(f.graph);
  EXPECT_EQ(ops.count("Min"), 0u);  // the in-graph min-max normalisation before the feed is cut away
  EXPECT_EQ(ops.count("Max"), 0u);
  EXPECT_EQ(engine::tf::find_node(f.graph, "input_tensor"), nullptr);
}

TEST(SavedModel, DefconBsdTrainingCopyResolvesDropoutConds) {
  DEEPIMAGE_REQUIRE_REALDATA();
  // tf_max_count's "max_count_output/Max" is computed by the training copy of the network: two Keras
  // Dropout layers as cond(keras_learning_phase, dropout, identity) on an unfed Placeholder.
  const FrozenGraph f = load(realdata() / "defcon_bsd/serving/tf_max_count", {"input_2"}, {"max_count_output/Max"});
  EXPECT_EQ(f.switches_resolved, 4);  // per Dropout: the cond's predicate Switch and its data Switch
  expect_inference_only(f.graph);
  const auto ops = op_counts(f.graph);
  EXPECT_EQ(ops.count("Floor"), 0u);
  EXPECT_EQ(ops.count("AvgPool"), 1u);
}

TEST(SavedModel, N2vZipWithLearningPhaseAndBatchNormConds) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const FrozenGraph f = load(realdata() / "n2v_fiji_tf_savedmodel/format-0.2.0-csbdeep.bioimage.io.zip");
  EXPECT_EQ(f.tensorflow_version, "1.13.1");
  EXPECT_EQ(f.signature, "serving_default");
  EXPECT_EQ(f.feeds[0].name, "input:0");
  EXPECT_EQ(f.feeds[0].signature_key, "input");
  EXPECT_EQ(f.feeds[0].shape, (std::vector<std::int64_t>{-1, -1, -1, 1}));
  EXPECT_EQ(f.fetches[0].name, "activation_11/Identity:0");
  EXPECT_GE(f.switches_resolved, 10);  // each BatchNormalization's cond on the learning phase
  expect_inference_only(f.graph);
  EXPECT_GT(f.variables_frozen, 0);
  // Inference batch normalisation: FusedBatchNorm with is_training false reading the moving averages.
  for (const auto& n : f.graph.node()) {
    if (n.op() != "FusedBatchNorm") continue;
    EXPECT_FALSE(n.attr().at("is_training").b()) << n.name();
  }
}

TEST(SavedModel, TiktorchZipNamedByARdf) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const model::Model m = model::open_model(realdata() / "tiktorch_dummy_tf_savedmodel");
  const WeightsSpec* weights = nullptr;
  for (const auto& w : m.spec.weights)
    if (w.format == "tensorflow_saved_model_bundle") weights = &w;
  ASSERT_NE(weights, nullptr);
  const FrozenGraph f = load_saved_model(m, *weights, {}, {});
  EXPECT_EQ(f.feeds[0].name, "input0:0");
  EXPECT_EQ(f.fetches[0].name, "output0/mul:0");
  EXPECT_EQ(f.feeds[0].shape, (std::vector<std::int64_t>{-1, 1, 32, 32}));
  EXPECT_NE(f.where.find("dummy-model-weights.zip"), std::string::npos);
  // The rdf's names select the same tensors.
  const FrozenGraph named = load_saved_model(m, *weights, {"input0"}, {"output0/mul:0"});
  EXPECT_EQ(named.graph.node_size(), f.graph.node_size());
}

// The tiktorch rdf with its weights entry pointing at `source` (no sha256: a folder has none).
std::string rdf_with_source(const std::string& source) {
  std::string rdf = slurp(realdata() / "tiktorch_dummy_tf_savedmodel/rdf.yaml");
  rdf = rdf.substr(0, rdf.find("weights:"));
  return rdf + "weights:\n  tensorflow_saved_model_bundle: {source: '" + source + "', tensorflow_version: '1.14'}\n";
}

WeightsSpec tf_weights(const model::Model& m) {
  for (const auto& w : m.spec.weights)
    if (w.format == "tensorflow_saved_model_bundle") return w;
  ADD_FAILURE() << "no tensorflow_saved_model_bundle weights";
  return {};
}

float b_of(const fs::path& bundle) {
  const model::Model m = model::open_model(bundle);
  const FrozenGraph f = load_saved_model(m, tf_weights(m), {}, {});
  const auto b = const_floats(f.graph, "b");
  return b.empty() ? -1.0f : b[0];
}

TEST(SavedModel, FolderAndRootSourcesInFolderAndZipBundles) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const fs::path half_plus_three = serving("saved_model_half_plus_three");
  TempDir dir;
  // A folder of the bundle holding the SavedModel.
  fs::create_directories(dir / "in_folder");
  fs::copy(half_plus_three, dir / "in_folder/tf_model", fs::copy_options::recursive);
  std::ofstream(dir / "in_folder/rdf.yaml") << rdf_with_source("tf_model/");
  EXPECT_EQ(b_of(dir / "in_folder"), 3.0f);
  // The bundle root itself (legacy DeepImageJ bundles: source "."), as a folder and as a zip.
  fs::create_directories(dir / "at_root");
  fs::copy(half_plus_three, dir / "at_root", fs::copy_options::recursive);
  std::ofstream(dir / "at_root/rdf.yaml") << rdf_with_source(".");
  EXPECT_EQ(b_of(dir / "at_root"), 3.0f);
  auto entries = entries_of(dir / "at_root");
  for (auto& e : entries_of(dir / "at_root/variables", "variables/")) entries.push_back(e);
  make_zip(dir / "at_root.zip", entries);
  EXPECT_EQ(b_of(dir / "at_root.zip"), 3.0f);

  // A source that is neither.
  fs::create_directories(dir / "missing");
  std::ofstream(dir / "missing/rdf.yaml") << rdf_with_source("nothing_here");
  const auto [code, message] = error_of([&] { b_of(dir / "missing"); });
  EXPECT_EQ(code, ErrorCode::not_found);
  EXPECT_NE(message.find("\"nothing_here\""), std::string::npos) << message;
}

TEST(SavedModel, RefusesAHostileWeightsZip) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const fs::path half_plus_three = serving("saved_model_half_plus_three");
  TempDir dir;
  fs::create_directories(dir / "bundle");
  auto entries = entries_of(half_plus_three);
  for (auto& e : entries_of(half_plus_three / "variables", "variables/")) entries.push_back(e);
  std::ofstream(dir / "bundle/rdf.yaml") << rdf_with_source("weights.zip");
  const std::string shard = "variables/variables.data-00000-of-00001";

  make_zip(dir / "bundle/weights.zip", entries);
  EXPECT_EQ(b_of(dir / "bundle"), 3.0f);  // the zip as written loads

  declare_size(dir / "bundle/weights.zip", shard, 1u << 31);  // a 12-byte shard claiming 2 GiB
  auto [code, message] = error_of([&] { b_of(dir / "bundle"); });
  EXPECT_EQ(code, ErrorCode::bad_model);
  EXPECT_NE(message.find(shard), std::string::npos) << message;
  EXPECT_NE(message.find("to 2147483648 (more than 100 times: a zip bomb?)"), std::string::npos) << message;

  make_zip(dir / "bundle/weights.zip", entries);
  declare_size(dir / "bundle/weights.zip", shard, 8);  // fewer bytes than it holds
  std::tie(code, message) = error_of([&] { b_of(dir / "bundle"); });
  EXPECT_NE(message.find(shard), std::string::npos) << message;
  EXPECT_NE(message.find("weights.zip"), std::string::npos) << message;
  EXPECT_NE(message.find("holds more than the 8 bytes it declares"), std::string::npos) << message;
}

TEST(SavedModel, RefusesUnknownNamesAndUnfedPlaceholders) {
  DEEPIMAGE_REQUIRE_REALDATA();
  auto [code, message] = error_of([] { load(serving("saved_model_half_plus_two_cpu"), {"nope"}, {}); });
  EXPECT_EQ(code, ErrorCode::not_found);
  EXPECT_NE(message.find("\"nope\""), std::string::npos) << message;
  EXPECT_NE(message.find("x"), std::string::npos) << message;  // the signature's keys are listed

  std::tie(code, message) = error_of([] { load(defcon(), {"model_5/hist_norm/sub"}, {"output_tensor"}); });
  EXPECT_EQ(code, ErrorCode::invalid_argument);
  EXPECT_NE(message.find("placeholder \"input_tensor\""), std::string::npos) << message;

  // saved_model_counter: four signatures, none "serving_default".
  std::tie(code, message) = error_of([] { load(serving("saved_model_counter")); });
  EXPECT_EQ(code, ErrorCode::invalid_argument);
  EXPECT_NE(message.find("get_counter, incr_counter, incr_counter_by, reset_counter"), std::string::npos) << message;

  std::tie(code, message) = error_of([] { load(realdata() / "defcon_bsd/serving/tf_density_count"); });
  EXPECT_NE(message.find("no signature"), std::string::npos) << message;
  EXPECT_NE(message.find("name the input"), std::string::npos) << message;
}

}  // namespace
}  // namespace deepimage::testing
