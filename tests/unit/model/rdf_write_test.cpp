// write_rdf_v05 against parse_rdf: every rdf we ship or hold (0.5 and 0.4), parsed, written as 0.5
// and parsed again, must give back the same description field by field. The reference is the parse
// of the original file, which the writer never saw.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "model/bundle.hpp"
#include "model/rdf.hpp"
#include "model/rdf_write.hpp"
#include "model/spec_json.hpp"
#include "support/cli.hpp"

namespace deepimage::model {
namespace {

namespace fs = std::filesystem;
using deepimage::testing::realdata;
using deepimage::testing::slurp;
using deepimage::testing::source_dir;

// A channel count: fixed, or (0.4) another tensor's channel count * scale + 2 * offset.
std::int64_t channel_count(const ModelSpec& spec, const AxisSpec& c) {
  if (c.size.kind != AxisSize::Kind::reference) return c.size.value;
  const TensorSpec* ref = spec.input(c.size.ref_tensor);
  return std::llround(static_cast<double>(ref->axis(c.size.ref_axis)->size.value) * c.size.factor + c.size.offset);
}

void expect_same_tensor(const ModelSpec& spec, const TensorSpec& a, const TensorSpec& b, bool is_input) {
  SCOPED_TRACE(a.id);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.axes_string(), b.axes_string());
  EXPECT_EQ(a.data_type, b.data_type);
  EXPECT_EQ(a.data_range, b.data_range);
  EXPECT_EQ(a.test_tensor, b.test_tensor);
  EXPECT_EQ(a.test_tensor_sha256, b.test_tensor_sha256);
  EXPECT_EQ(a.sample_tensor, b.sample_tensor);
  EXPECT_EQ(a.optional, b.optional);
  ASSERT_EQ(a.axes.size(), b.axes.size());
  for (std::size_t i = 0; i < a.axes.size(); ++i) {
    const AxisSpec &x = a.axes[i], &y = b.axes[i];
    SCOPED_TRACE(std::string(1, x.id));
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.halo, y.halo);
    // 0.4 may size batch and channel axes after another tensor; 0.5 fixes channels by their names
    // (the count is compared below) and gives a batch no size.
    if (x.type != AxisType::batch && x.type != AxisType::channel) {
      EXPECT_EQ(x.size.kind, y.size.kind);
    }
    if (x.type == AxisType::channel) {
      EXPECT_EQ(channel_count(spec, x), y.size.value);
      if (!x.channel_names.empty()) {
        EXPECT_EQ(x.channel_names, y.channel_names);
      }
    } else if (x.type != AxisType::batch) {
      EXPECT_EQ(x.size.value, y.size.value);
      EXPECT_EQ(x.size.min, y.size.min);
      EXPECT_EQ(x.size.step, y.size.step);
      EXPECT_EQ(x.size.ref_tensor, y.size.ref_tensor);
      EXPECT_EQ(x.size.ref_axis, y.size.ref_axis);
      EXPECT_NEAR(x.size.factor, y.size.factor, 1e-12);
      EXPECT_EQ(x.size.offset, y.size.offset);
    }
  }
  const auto& ops_a = is_input ? a.preprocessing : a.postprocessing;
  const auto& ops_b = is_input ? b.preprocessing : b.postprocessing;
  ASSERT_EQ(ops_a.size(), ops_b.size());
  for (std::size_t i = 0; i < ops_a.size(); ++i) {
    EXPECT_EQ(ops_a[i].id, ops_b[i].id);
    nlohmann::json ka = kwargs_of(ops_a[i]), kb = kwargs_of(ops_b[i]);
    // A 0.4 axes string ("yx") is written as the 0.5 list ([y, x]).
    if (ka.contains("axes") && ka["axes"].is_string()) {
      nlohmann::json list = nlohmann::json::array();
      for (char c : ka["axes"].get<std::string>()) list.push_back(std::string(1, c));
      ka["axes"] = list;
    }
    EXPECT_EQ(ka, kb) << ops_a[i].id;
  }
}

void expect_round_trip(const fs::path& rdf) {
  SCOPED_TRACE(rdf.string());
  const ModelSpec original = parse_rdf(slurp(rdf), rdf.string());
  const std::string written = write_rdf_v05(original);
  const ModelSpec again = parse_rdf(written, "written");
  EXPECT_EQ(again.format_version, kRdfWriteVersion);
  EXPECT_EQ(original.name, again.name);
  EXPECT_EQ(original.description, again.description);
  EXPECT_EQ(original.license, again.license);
  EXPECT_EQ(original.documentation, again.documentation);
  EXPECT_EQ(original.tags, again.tags);
  EXPECT_EQ(original.covers, again.covers);
  EXPECT_EQ(original.timestamp, again.timestamp);
  ASSERT_EQ(original.authors.size(), again.authors.size());
  for (std::size_t i = 0; i < original.authors.size(); ++i) {
    EXPECT_EQ(original.authors[i].name, again.authors[i].name);
    EXPECT_EQ(original.authors[i].affiliation, again.authors[i].affiliation);
    EXPECT_EQ(original.authors[i].github_user, again.authors[i].github_user);
    EXPECT_EQ(original.authors[i].orcid, again.authors[i].orcid);
  }
  ASSERT_EQ(original.cite.size(), again.cite.size());
  for (std::size_t i = 0; i < original.cite.size(); ++i) {
    EXPECT_EQ(original.cite[i].text, again.cite[i].text);
    EXPECT_EQ(original.cite[i].doi, again.cite[i].doi);
    EXPECT_EQ(original.cite[i].url, again.cite[i].url);
  }
  ASSERT_EQ(original.inputs.size(), again.inputs.size());
  for (std::size_t i = 0; i < original.inputs.size(); ++i) expect_same_tensor(original, original.inputs[i], again.inputs[i], true);
  ASSERT_EQ(original.outputs.size(), again.outputs.size());
  for (std::size_t i = 0; i < original.outputs.size(); ++i) expect_same_tensor(original, original.outputs[i], again.outputs[i], false);
  ASSERT_EQ(original.weights.size(), again.weights.size());
  for (const WeightsSpec& w : original.weights) {
    const WeightsSpec* v = again.weights_for(w.format);
    ASSERT_NE(v, nullptr) << w.format;
    EXPECT_EQ(w.source, v->source);
    EXPECT_EQ(w.sha256, v->sha256);
    EXPECT_EQ(w.version, v->version);
    EXPECT_EQ(w.parent, v->parent);
  }
  EXPECT_EQ(config_of(original), config_of(again));
}

TEST(RdfWrite, EveryFixtureRdfRoundTripsThroughTheParser) {
  int count = 0;
  for (const auto& e : fs::recursive_directory_iterator(source_dir() / "tests/data/models"))
    if (e.path().filename() == "rdf.yaml") expect_round_trip(e.path()), ++count;
  expect_round_trip(source_dir() / "examples/nuclei_unet2d/rdf.yaml");
  EXPECT_GE(count, 20);  // the geometry bundles: fixed, min/step, references with scale and offset, 0.4 and 0.5
}

TEST(RdfWrite, RealRdfsRoundTripThroughTheParser) {
  if (!fs::exists(realdata())) GTEST_SKIP() << "no ../shared/realdata";
  for (const char* rdf : {"unet2d_nuclei_broad/bioimageio.yaml", "unet2d_nuclei_broad/v0_4_9.bioimageio.yaml"})
    expect_round_trip(realdata() / rdf);
}

TEST(RdfWrite, AttachmentsAndSampleHashesAreWrittenAndRead) {
  ModelSpec spec = parse_rdf(slurp(source_dir() / "tests/data/models/laplace2d_tiny/rdf.yaml"), "laplace");
  spec.attachments = {{"cover.png", "ab12"}, {"README.md", "cd34"}};
  spec.inputs[0].sample_tensor = "sample_input.tif";
  spec.inputs[0].sample_tensor_sha256 = "ef56";
  const ModelSpec again = parse_rdf(write_rdf_v05(spec), "written");
  ASSERT_EQ(again.attachments.size(), 2u);
  EXPECT_EQ(again.attachments[1].source, "README.md");
  EXPECT_EQ(again.attachments[1].sha256, "cd34");
  EXPECT_EQ(again.inputs[0].sample_tensor_sha256, "ef56");
}

}  // namespace
}  // namespace deepimage::model
