// deepimage convert --to onnx: weights the native engine reads (TF SavedModel, Keras HDF5) written as
// ONNX into a tested copy of the bundle. The copy must pass `test` with its new weights (the bundle's
// own test outputs are the reference); bad requests fail in one line and leave nothing behind.
#include <gtest/gtest.h>

#include "io/npy.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

std::string file_digest(const fs::path& folder) {
  std::string all;
  for (const auto& e : fs::recursive_directory_iterator(folder))
    if (e.is_regular_file()) all += e.path().string() + ":" + std::to_string(e.file_size()) + ";";
  return all;
}

TEST(Convert, TfSavedModelBecomesAnOnnxBundleThatPassesItsTest) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const fs::path source = realdata() / "tiktorch_dummy_tf_savedmodel";
  const std::string before = file_digest(source);
  TempDir tmp;
  const CliResult r = run_cli({"convert", source.string(), "--to", "onnx", "-o", (tmp / "onnx_bundle").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("converted tensorflow_saved_model_bundle weights to onnx"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("passed"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(tmp / "onnx_bundle" / "weights.onnx"));
  EXPECT_EQ(file_digest(source), before);  // the input bundle is never changed
  // The copy is a bundle in its own right: its onnx weights pass `test` in a separate run.
  const CliResult t = run_cli({"test", (tmp / "onnx_bundle").string(), "--weights", "onnx"});
  EXPECT_EQ(t.exit_code, 0) << t.out << t.err;
  const std::string rdf = slurp(tmp / "onnx_bundle" / "rdf.yaml");
  EXPECT_NE(rdf.find("weights.onnx"), std::string::npos);
  EXPECT_NE(rdf.find("parent: tensorflow_saved_model_bundle"), std::string::npos) << rdf;
}

TEST(Convert, RefusesWhatItCannotDoInOneLineAndWritesNothing) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir tmp;
  // Already ONNX.
  CliResult r = run_cli({"convert", (realdata() / "unet2d_nuclei_broad").string(), "--to", "onnx", "-o", (tmp / "a").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("already has \"onnx\" weights"), std::string::npos) << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  // Only TorchScript, which the native engine does not read.
  r = run_cli({"convert", (realdata() / "unet2d_multi_tensor").string(), "--to", "onnx", "-o", (tmp / "b").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("torchscript"), std::string::npos) << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  // The output exists.
  fs::create_directories(tmp / "taken");
  r = run_cli({"convert", (realdata() / "tiktorch_dummy_tf_savedmodel").string(), "--to", "onnx", "-o", (tmp / "taken").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("exists"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_empty(tmp / "taken"));
  // Nothing else was written: no bundle, no temporary folder.
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(tmp.path())) left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"taken"});
}

}  // namespace
}  // namespace deepimage::testing
