// TensorBundle on the real variables of ../shared/realdata's SavedModels (values known from their
// SOURCE.txt and, for DEFCoN, from the Keras HDF5 file of the same training), and on broken copies.
#include "engine/tf/tensor_bundle.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <functional>

#include "deepimage/error.hpp"
#include "io/npy.hpp"
#include "engine/tf/crc32c.hpp"
#include "engine/tf/graph_passes.hpp"
#include "engine/tf/sstable.hpp"
#include "support/cli.hpp"
#include "unit/engine/tf/sstable_writer.hpp"

namespace deepimage::testing {
namespace {

using engine::tf::BundleTensor;
using engine::tf::SavedModelFiles;
using engine::tf::TensorBundle;
namespace fs = std::filesystem;
namespace tfproto = deepimage::tfproto;

std::vector<float> floats_of(const BundleTensor& t) {
  EXPECT_EQ(t.dtype, tfproto::DT_FLOAT);
  std::vector<float> out(t.bytes.size() / sizeof(float));
  std::memcpy(out.data(), t.bytes.data(), out.size() * sizeof(float));
  return out;
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

TEST(TensorBundle, ReadsHalfPlusTwoSnappyAndHalfPlusThreePlain) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const SavedModelFiles two = SavedModelFiles::at_path(serving("saved_model_half_plus_two_cpu"));
  const TensorBundle b2 = TensorBundle::open(two);
  // a and b for y = a x + b, and a2, c, c2 for its regress signatures (y2, y3).
  EXPECT_EQ(b2.names(), (std::vector<std::string>{"a", "a2", "b", "c", "c2"}));
  const BundleTensor a = b2.read("a");
  EXPECT_TRUE(a.shape.empty());  // a scalar
  EXPECT_EQ(floats_of(a), std::vector<float>{0.5f});
  EXPECT_EQ(floats_of(b2.read("b")), std::vector<float>{2.0f});

  const TensorBundle b3 = TensorBundle::open(SavedModelFiles::at_path(serving("saved_model_half_plus_three")));
  EXPECT_EQ(floats_of(b3.read("a")), std::vector<float>{0.5f});
  EXPECT_EQ(floats_of(b3.read("b")), std::vector<float>{3.0f});
}

TEST(TensorBundle, ASavedModelWithoutVariablesHasAnEmptyBundle) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto files = SavedModelFiles::at_path(realdata() / "tf_serving_half_plus_two/matrix_half_plus_two/1");
  EXPECT_TRUE(TensorBundle::open(files).names().empty());
}

TEST(TensorBundle, DefconKernelsMatchTheKerasHdf5OfTheSameTraining) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const TensorBundle bundle =
      TensorBundle::open(SavedModelFiles::at_path(realdata() / "defcon_imagej_savedmodel/tf_density_count"));
  EXPECT_EQ(bundle.read("conv_seg_1/kernel").shape, (std::vector<std::int64_t>{3, 3, 1, 16}));
  EXPECT_EQ(bundle.read("deconv_1/kernel").shape, (std::vector<std::int64_t>{3, 3, 8, 64}));  // HW, out, in
  EXPECT_EQ(bundle.read("density/kernel").shape, (std::vector<std::int64_t>{1, 1, 8, 1}));
  EXPECT_EQ(bundle.read("conv_5_1/bias").shape, (std::vector<std::int64_t>{64}));

  // tests/data/engine/tf/make_defcon_kernel_reference.py: the same kernel read from defcon_tf13.h5 by h5py.
  const std::string npy = slurp(source_dir() / "tests/data/engine/tf/defcon_conv_seg_1_kernel_3x3x1x16.npy");
  const Tensor reference = io::read_npy_bytes({reinterpret_cast<const std::byte*>(npy.data()), npy.size()}, "reference");
  const std::vector<float> expected(reference.data<float>(), reference.data<float>() + reference.element_count());
  EXPECT_EQ(floats_of(bundle.read("conv_seg_1/kernel")), expected);
}

TEST(TensorBundle, RefusesStringTensorsWhenRead) {
  DEEPIMAGE_REQUIRE_REALDATA();
  // TF2 checkpoints hold their object graph as a string tensor.
  const TensorBundle bundle = TensorBundle::open(SavedModelFiles::at_path(serving("saved_model_half_plus_two_tf2_cpu")));
  ASSERT_TRUE(bundle.contains("_CHECKPOINTABLE_OBJECT_GRAPH"));
  const auto [code, message] = error_of([&] { bundle.read("_CHECKPOINTABLE_OBJECT_GRAPH"); });
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_NE(message.find("DT_STRING"), std::string::npos) << message;
}

// A copy of half_plus_three in a temp folder, to break.
class BrokenBundle : public ::testing::Test {
 protected:
  void SetUp() override {
    DEEPIMAGE_REQUIRE_REALDATA();
    fs::copy(serving("saved_model_half_plus_three"), dir_.path(), fs::copy_options::recursive);
  }
  fs::path index() const { return dir_ / "variables/variables.index"; }
  fs::path shard() const { return dir_ / "variables/variables.data-00000-of-00001"; }
  static void truncate(const fs::path& p, std::uintmax_t size) { fs::resize_file(p, size); }
  std::pair<ErrorCode, std::string> read_b() const {
    return error_of([&] {
      const SavedModelFiles files = SavedModelFiles::at_path(dir_.path());
      TensorBundle::open(files).read("b");
    });
  }
  TempDir dir_;
};

TEST_F(BrokenBundle, TruncatedIndex) {
  truncate(index(), fs::file_size(index()) - 10);
  const auto [code, message] = read_b();
  EXPECT_EQ(code, ErrorCode::bad_model);
  EXPECT_NE(message.find("\"variables/variables.index\" in"), std::string::npos) << message;
}

TEST_F(BrokenBundle, BadMagic) {
  std::string bytes = slurp(index());
  bytes[bytes.size() - 3] ^= 0x10;
  std::ofstream(index(), std::ios::binary | std::ios::trunc) << bytes;
  const auto [code, message] = read_b();
  EXPECT_NE(message.find("magic"), std::string::npos) << message;
  EXPECT_NE(message.find("variables/variables.index"), std::string::npos) << message;
}

TEST_F(BrokenBundle, MissingDataShard) {
  fs::remove(shard());
  const auto [code, message] = read_b();
  EXPECT_EQ(code, ErrorCode::not_found);
  EXPECT_NE(message.find("\"variables/variables.data-00000-of-00001\" in"), std::string::npos) << message;
}

TEST_F(BrokenBundle, TruncatedDataShard) {
  truncate(shard(), 4);  // "a" (bytes 0..4) survives, "b" (4..8) does not
  const auto [code, message] = read_b();
  EXPECT_EQ(code, ErrorCode::bad_model);
  EXPECT_NE(message.find("truncated shard"), std::string::npos) << message;
}

TEST_F(BrokenBundle, CorruptDataShard) {
  std::string bytes = slurp(shard());
  bytes[5] ^= 0x01;
  std::ofstream(shard(), std::ios::binary | std::ios::trunc) << bytes;
  const auto [code, message] = read_b();
  EXPECT_NE(message.find("crc32c"), std::string::npos) << message;
}

// The index rewritten by the test writer with `edit` applied to each entry (the header under key "").
void rewrite_index(const fs::path& index, const std::function<void(const std::string&, std::string&)>& edit) {
  const std::string bytes = slurp(index);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto& e : engine::tf::read_sstable({reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()}, "index")) {
    edit(e.key, e.value);
    pairs.emplace_back(e.key, e.value);
  }
  std::ofstream(index, std::ios::binary | std::ios::trunc) << write_table(pairs);
}

TEST_F(BrokenBundle, TheWritersRewriteStillReads) {  // so the two refusals below test only their change
  rewrite_index(index(), [](const std::string&, std::string&) {});
  const SavedModelFiles files = SavedModelFiles::at_path(dir_.path());
  EXPECT_EQ(floats_of(TensorBundle::open(files).read("b")), std::vector<float>{3.0f});
}

TEST_F(BrokenBundle, PartitionedVariable) {
  rewrite_index(index(), [](const std::string& key, std::string& value) {
    if (key != "b") return;
    tfproto::BundleEntryProto entry;
    ASSERT_TRUE(entry.ParseFromString(value));
    entry.add_slices()->add_extent()->set_start(0);
    value = entry.SerializeAsString();
  });
  const auto [code, message] = read_b();
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_NE(message.find("\"b\""), std::string::npos) << message;
  EXPECT_NE(message.find("partitioned"), std::string::npos) << message;
}

TEST_F(BrokenBundle, BigEndianBundle) {
  rewrite_index(index(), [](const std::string& key, std::string& value) {
    if (!key.empty()) return;
    tfproto::BundleHeaderProto header;
    ASSERT_TRUE(header.ParseFromString(value));
    header.set_endianness(tfproto::BundleHeaderProto::BIG);
    value = header.SerializeAsString();
  });
  const auto [code, message] = read_b();
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_NE(message.find("big-endian"), std::string::npos) << message;
}

// A resource variable as TF1 Keras with resource variables writes it: VarHandleOp (shared_name = the
// bundle key) read by ReadVariableOp; the bundle written here with one float tensor "dense/kernel".
TEST(FreezeVariables, ResourceVariableReadsBecomeConstants) {
  TempDir dir;
  fs::create_directories(dir / "variables");
  const float values[] = {1.5f, -2.0f};
  const std::string data(reinterpret_cast<const char*>(values), sizeof values);
  std::ofstream(dir / "variables/variables.data-00000-of-00001", std::ios::binary) << data;
  tfproto::BundleHeaderProto header;
  header.set_num_shards(1);
  tfproto::BundleEntryProto entry;
  entry.set_dtype(tfproto::DT_FLOAT);
  entry.mutable_shape()->add_dim()->set_size(2);
  entry.set_size(8);
  entry.set_crc32c(engine::tf::mask_crc32c(engine::tf::crc32c({reinterpret_cast<const std::byte*>(data.data()), data.size()})));
  std::ofstream(dir / "variables/variables.index", std::ios::binary)
      << write_table({{"", header.SerializeAsString()}, {"dense/kernel", entry.SerializeAsString()}});
  std::ofstream(dir / "saved_model.pb") << "";  // present: the folder is a SavedModel

  tfproto::GraphDef g;
  auto& handle = *g.add_node();
  handle.set_name("dense/kernel_handle");
  handle.set_op("VarHandleOp");
  (*handle.mutable_attr())["shared_name"].set_s("dense/kernel");
  (*handle.mutable_attr())["dtype"].set_type(tfproto::DT_FLOAT);
  auto& read = *g.add_node();
  read.set_name("dense/read");
  read.set_op("ReadVariableOp");
  read.add_input("dense/kernel_handle");
  const SavedModelFiles files = SavedModelFiles::at_path(dir.path());
  EXPECT_EQ(engine::tf::freeze_variables(g, TensorBundle::open(files), "test"), 1);
  engine::tf::prune_graph(g, {"dense/read"});
  ASSERT_EQ(g.node_size(), 1);
  EXPECT_EQ(g.node(0).op(), "Const");
  const auto& t = g.node(0).attr().at("value").tensor();
  EXPECT_EQ(t.tensor_shape().dim(0).size(), 2);
  EXPECT_EQ(t.tensor_content(), data);
}

}  // namespace
}  // namespace deepimage::testing
