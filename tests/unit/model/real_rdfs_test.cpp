// Every rdf in ../shared/realdata, parsed and checked against what a naive line scan of the yaml
// finds, against the files actually in its bundle, and against the sha256 the rdf's authors wrote.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "deepimage/error.hpp"
#include "model/model.hpp"
#include "support/cli.hpp"

namespace deepimage::model {
namespace {

namespace fs = std::filesystem;
using deepimage::testing::realdata;

bool is_rdf_name(const std::string& n) {
  const auto ends = [&](const std::string& s) { return n.size() >= s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0; };
  return n == "rdf.yaml" || n == "bioimageio.yaml" || n == "model.yaml" || ends(".bioimageio.yaml") || ends(".model.yaml");
}

// The value of a top-level "key: value" line, quotes stripped; empty when absent.
std::string top_level_scalar(const fs::path& file, const std::string& key) {
  std::ifstream f(file);
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::string v = line.substr(key.size() + 1);
    v.erase(0, v.find_first_not_of(' '));
    v.erase(v.find_last_not_of(" \r") + 1);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
    return v;
  }
  return "";
}

std::vector<fs::path> real_rdfs() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(realdata()))
    if (e.is_regular_file() && is_rdf_name(e.path().filename().string())) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

bool is_url(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

TEST(RealRdfs, EveryOneParsesAndAgreesWithItsBundle) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto files = real_rdfs();
  ASSERT_GE(files.size(), 10u) << "fewer rdf files than realdata/README.md lists";
  int parsed = 0, hashed = 0;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const std::string version = top_level_scalar(file, "format_version");
    ASSERT_FALSE(version.empty());
    const bool supported = version.rfind("0.3.", 0) == 0 || version.rfind("0.4.", 0) == 0 || version.rfind("0.5.", 0) == 0;
    if (!supported) {  // n2v's "0.2.0-csbdeep"
      try {
        open_model(file);
        ADD_FAILURE() << "format_version " << version << " was accepted";
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::unsupported);
        EXPECT_NE(std::string(e.what()).find("\"" + version + "\""), std::string::npos) << e.what();
      }
      continue;
    }
    const Model m = open_model(file);
    ++parsed;
    const ModelSpec& s = m.spec;
    EXPECT_EQ(m.bundle.rdf_name(), file.filename().string());
    EXPECT_EQ(s.format_version, version);
    const std::string name = top_level_scalar(file, "name");
    if (!name.empty() && name != "|" && name != ">") {
      EXPECT_EQ(s.name, name);
    }
    // SOURCE.txt: onnx_removed_2024/ holds an older rdf and its weights, not its test tensors.
    const bool has_test_tensors = file.parent_path().filename() != "onnx_removed_2024";
    ASSERT_FALSE(s.inputs.empty());
    ASSERT_FALSE(s.outputs.empty());
    ASSERT_FALSE(s.weights.empty());
    for (const auto* list : {&s.inputs, &s.outputs})
      for (const auto& t : *list) {
        SCOPED_TRACE(t.id);
        EXPECT_FALSE(t.axes.empty());
        if (has_test_tensors) {
          EXPECT_FALSE(t.test_tensor.empty());
          EXPECT_TRUE(m.bundle.contains(t.test_tensor)) << t.test_tensor;
        }
        for (const auto& a : t.axes) {
          if (a.size.kind != AxisSize::Kind::reference) continue;
          const TensorSpec* ref = s.input(a.size.ref_tensor) ? s.input(a.size.ref_tensor) : s.output(a.size.ref_tensor);
          ASSERT_NE(ref, nullptr) << a.size.ref_tensor;
          EXPECT_NE(ref->axis(a.size.ref_axis), nullptr);
        }
      }
    for (const auto& w : s.weights) {
      SCOPED_TRACE(w.format);
      if (is_url(w.source) || !m.bundle.contains(w.source)) continue;  // not shipped with the bundle
      // 0.3 tools never checked hashes and the tiktorch fixture carries a stale one.
      if (!w.sha256.empty() && version.rfind("0.3.", 0) != 0) {
        EXPECT_EQ(m.bundle.sha256(w.source), w.sha256);
        ++hashed;
      }
    }
  }
  EXPECT_GE(parsed, 9);
  EXPECT_GE(hashed, 8);  // the onnx/torchscript/keras files of the 0.4 and 0.5 bundles
}

}  // namespace
}  // namespace deepimage::model
