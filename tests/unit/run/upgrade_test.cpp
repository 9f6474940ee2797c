// rdf 0.4/0.3 -> 0.5 (model/rdf_upgrade.hpp): every old rdf the tests use, upgraded, parses as the same
// model: the same tensors, axes, size rules, halos, data types, files and weights, and pre/post-
// processing that gives the same numbers (both op lists applied to one tensor and compared, since the
// kwargs are written differently in 0.5).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <yaml-cpp/yaml.h>

#include "deepimage/error.hpp"
#include "model/rdf.hpp"
#include "model/rdf_upgrade.hpp"
#include "model/spec_json.hpp"
#include "ops/op.hpp"
#include "support/cli.hpp"

namespace deepimage {
namespace {

namespace fs = std::filesystem;
using testing::realdata;
using testing::slurp;
using testing::source_dir;

std::vector<fs::path> old_rdfs() {
  std::vector<fs::path> found;
  std::vector<fs::path> roots = {source_dir() / "tests/data/models"};
  if (fs::exists(realdata())) roots.push_back(realdata());
  for (const auto& root : roots)
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
      const std::string text = slurp(e.path());
      if (text.find("format_version: 0.4") != std::string::npos || text.find("format_version: 0.3") != std::string::npos)
        found.push_back(e.path());
    }
  std::sort(found.begin(), found.end());
  return found;
}

const TensorSpec* tensor(const ModelSpec& s, const std::string& id) { return s.input(id) ? s.input(id) : s.output(id); }

// The size of a 0.4 channel axis given by reference: 0.5 writes it as the count it works out to.
std::int64_t resolved_channels(const ModelSpec& s, const AxisSpec& a) {
  const TensorSpec* ref = tensor(s, a.size.ref_tensor);
  const AxisSpec* c = ref ? ref->axis('c') : nullptr;
  return c ? static_cast<std::int64_t>(static_cast<double>(c->size.value) * a.size.factor + a.size.offset) : -1;
}

void expect_same_axes(const ModelSpec& old, const TensorSpec& a, const TensorSpec& b) {
  ASSERT_EQ(a.axes_string(), b.axes_string()) << a.id;
  for (std::size_t k = 0; k < a.axes.size(); ++k) {
    SCOPED_TRACE(a.id + " axis " + std::string(1, a.axes[k].id));
    const AxisSpec &x = a.axes[k], &y = b.axes[k];
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.halo, y.halo);
    if (x.type == AxisType::batch) continue;
    if (x.type == AxisType::channel && x.size.kind == AxisSize::Kind::reference) {
      EXPECT_EQ(y.size.kind, AxisSize::Kind::fixed);
      EXPECT_EQ(y.size.value, resolved_channels(old, x));
      continue;
    }
    ASSERT_EQ(x.size.kind, y.size.kind);
    switch (x.size.kind) {
      case AxisSize::Kind::fixed: EXPECT_EQ(x.size.value, y.size.value); break;
      case AxisSize::Kind::parameterized:
        EXPECT_EQ(x.size.min, y.size.min);
        EXPECT_EQ(x.size.step, y.size.step);
        break;
      case AxisSize::Kind::reference:
        EXPECT_EQ(x.size.ref_tensor, y.size.ref_tensor);
        EXPECT_EQ(x.size.ref_axis, y.size.ref_axis);
        EXPECT_NEAR(x.size.factor, y.size.factor, 1e-12);
        EXPECT_NEAR(x.size.offset, y.size.offset, 1e-12);
        break;
    }
  }
}

// A small tensor of `t`'s axes: sizes min + step (references follow `shapes`), a fixed pattern of values.
Tensor pattern(const ModelSpec& s, const TensorSpec& t, std::map<std::string, Shape>& shapes) {
  Shape shape;
  for (const auto& a : t.axes) {
    std::int64_t n = 1;
    if (a.type == AxisType::batch) n = 1;
    else if (a.size.kind == AxisSize::Kind::fixed) n = a.size.value;
    else if (a.size.kind == AxisSize::Kind::parameterized) n = a.size.min + a.size.step;
    else if (a.type == AxisType::channel) n = resolved_channels(s, a);
    else {
      const TensorSpec* ref = tensor(s, a.size.ref_tensor);
      for (std::size_t k = 0; ref && k < ref->axes.size(); ++k)
        if (ref->axes[k].id == a.size.ref_axis && shapes.count(ref->id))
          n = static_cast<std::int64_t>(static_cast<double>(shapes[ref->id][k]) * a.size.factor + a.size.offset);
    }
    shape.push_back(std::min<std::int64_t>(std::max<std::int64_t>(n, 1), 96));
  }
  shapes[t.id] = shape;
  Tensor x(DType::f32, shape, t.axes_string());
  float* p = x.data<float>();
  for (std::int64_t i = 0; i < x.element_count(); ++i) p[i] = static_cast<float>((i * 7919 + t.id.size()) % 509) * 0.5f - 3.0f;
  return x;
}

// 0.4 per_dataset statistics are those of every image of a run: for the one image here, its own.
std::vector<OpSpec> one_image(std::vector<OpSpec> ops) {
  for (auto& op : ops)
    if (nlohmann::json kwargs = kwargs_of(op); kwargs.is_object() && kwargs.value("mode", "") == "per_dataset") {
      kwargs["mode"] = "per_sample";
      set_kwargs(op, kwargs);
    }
  return ops;
}

void expect_same_ops(const ModelSpec& a, const ModelSpec& b) {
  std::map<std::string, Shape> shapes;
  std::map<std::string, Tensor> tensors;
  for (const auto* list : {&a.inputs, &a.outputs})
    for (const auto& t : *list) tensors.emplace(t.id, pattern(a, t, shapes));
  ops::OpContext context;
  for (const auto& [id, t] : tensors) context.tensors[id] = &t;
  for (const bool is_input : {true, false}) {
    const auto& list = is_input ? a.inputs : a.outputs;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const TensorSpec &x = list[i], &y = (is_input ? b.inputs : b.outputs)[i];
      const auto& ops_x = is_input ? x.preprocessing : x.postprocessing;
      const auto& ops_y = is_input ? y.preprocessing : y.postprocessing;
      if (ops_x.empty() && ops_y.empty()) continue;
      context.tensor_id = x.id;
      const Tensor out_x = ops::apply_ops(tensors.at(x.id), one_image(ops_x), context);
      const Tensor out_y = ops::apply_ops(tensors.at(x.id), ops_y, context);
      ASSERT_EQ(out_x.shape(), out_y.shape());
      ASSERT_EQ(out_x.dtype(), out_y.dtype());
      const Tensor fx = out_x.converted(DType::f32), fy = out_y.converted(DType::f32);
      double worst = 0;
      for (std::int64_t e = 0; e < fx.element_count(); ++e)
        worst = std::max(worst, static_cast<double>(std::fabs(fx.data<float>()[e] - fy.data<float>()[e])));
      EXPECT_EQ(worst, 0.0) << x.id << ": the upgraded ops give other numbers";
    }
  }
}

TEST(Upgrade, EveryOldRdfReadsAsTheSameModel) {
  const auto rdfs = old_rdfs();
  ASSERT_GE(rdfs.size(), 9u);  // the geometry 0.4 bundles at least
  for (const auto& path : rdfs) {
    SCOPED_TRACE(path.string());
    const std::string text = slurp(path);
    std::vector<std::string> notes;
    const ModelSpec old = model::parse_rdf(text, path.string());
    const std::string upgraded = model::upgrade_rdf(text, path.string(), notes);
    const ModelSpec now = model::parse_rdf(upgraded, "upgraded.yaml");
    EXPECT_EQ(now.format_version, "0.5.4");
    EXPECT_EQ(now.name, old.name);
    EXPECT_EQ(now.authors.size(), old.authors.size());
    ASSERT_EQ(now.inputs.size(), old.inputs.size());
    ASSERT_EQ(now.outputs.size(), old.outputs.size());
    for (const bool is_input : {true, false}) {
      const auto &a = is_input ? old.inputs : old.outputs, &b = is_input ? now.inputs : now.outputs;
      for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].id, b[i].id);
        expect_same_axes(old, a[i], b[i]);
        EXPECT_EQ(a[i].data_type, b[i].data_type);
        EXPECT_EQ(a[i].data_range, b[i].data_range);
        EXPECT_EQ(a[i].test_tensor, b[i].test_tensor);
        EXPECT_EQ(a[i].sample_tensor, b[i].sample_tensor);
      }
    }
    ASSERT_EQ(now.weights.size(), old.weights.size());
    for (std::size_t w = 0; w < old.weights.size(); ++w) {
      EXPECT_EQ(now.weights[w].format, old.weights[w].format);
      EXPECT_EQ(now.weights[w].source, old.weights[w].source);
      EXPECT_EQ(now.weights[w].sha256, old.weights[w].sha256);
    }
    EXPECT_EQ(config_of(now), config_of(old));
    expect_same_ops(old, now);
  }
}

// Hand-written 0.4 kwargs of every op form, against their 0.5 forms written out by hand.
TEST(Upgrade, OpKwargsTakeTheir05Form) {
  const std::string v04 = R"(format_version: 0.4.10
type: model
name: ops
description: d
authors: [{name: a}]
cite: [{text: t, doi: "https://doi.org/10.1/x"}]
license: MIT
documentation: README.md
inputs:
  - name: raw
    axes: bcyx
    data_type: uint16
    data_range: [0, .inf]
    shape: [1, 3, 16, 16]
    preprocessing:
      - name: scale_linear
        kwargs: {axes: yx, gain: [1, 2, 3], offset: 0.5}
      - name: zero_mean_unit_variance
        kwargs: {mode: fixed, axes: yx, mean: [1, 2, 3], std: [4, 5, 6]}
      - name: scale_range
        kwargs: {mode: per_dataset, axes: cyx, max_percentile: 99.5}
      - name: zero_mean_unit_variance
        kwargs: {mode: per_sample}
outputs:
  - name: out
    axes: bcyx
    data_type: float32
    shape: {reference_tensor: raw, scale: [1, 2, 2, 2], offset: [0, -2, 1, 1]}
    halo: [0, 0, 4, 4]
test_inputs: [in.npy]
test_outputs: [out.npy]
weights:
  pytorch_script: {source: w.pt}
)";
  std::vector<std::string> notes;
  const std::string v05 = model::upgrade_rdf(v04, "ops.yaml", notes);
  const YAML::Node doc = YAML::Load(v05);
  const YAML::Node pre = doc["inputs"][0]["preprocessing"];
  EXPECT_EQ(YAML::Dump(pre[0]), "id: scale_linear\nkwargs: {gain: [1, 2, 3], offset: 0.5, axis: channel}");
  EXPECT_EQ(YAML::Dump(pre[1]), "id: fixed_zero_mean_unit_variance\nkwargs: {mean: [1, 2, 3], std: [4, 5, 6], axis: channel}");
  EXPECT_EQ(YAML::Dump(pre[2]), "id: scale_range\nkwargs: {axes: [batch, channel, y, x], max_percentile: 99.5}");
  EXPECT_EQ(YAML::Dump(pre[3]), "id: zero_mean_unit_variance\nkwargs: {axes: [channel, y, x]}");
  EXPECT_EQ(YAML::Dump(doc["inputs"][0]["data"]), "type: uint16\nrange: [0, ~]");
  EXPECT_EQ(YAML::Dump(doc["inputs"][0]["test_tensor"]), "source: in.npy");
  const YAML::Node out_axes = doc["outputs"][0]["axes"];
  EXPECT_EQ(YAML::Dump(out_axes[1]), "type: channel\nchannel_names: [channel0, channel1]");  // 3 * 2 + 2 * -2
  EXPECT_EQ(YAML::Dump(out_axes[2]), "type: space\nid: y\nsize: {tensor_id: raw, axis_id: y, offset: 2}\nscale: 0.5\nhalo: 4");
  EXPECT_EQ(doc["cite"][0]["doi"].Scalar(), "10.1/x");
  EXPECT_EQ(doc["weights"]["torchscript"]["pytorch_version"].Scalar(), "1.10");
  EXPECT_EQ(doc["format_version"].Scalar(), "0.5.4");
  // The per_dataset change of meaning and the filled-in version are said.
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_NE(notes[0].find("inputs[0].preprocessing[2]: mode per_dataset"), std::string::npos) << notes[0];
  EXPECT_NE(notes[1].find("weights.torchscript.pytorch_version"), std::string::npos) << notes[1];
  // And it reads: 2x the input, per side 1 pixel more (offset 2 in 0.5 is 2 * 0.4's 1).
  const ModelSpec spec = model::parse_rdf(v05, "ops.yaml");
  EXPECT_DOUBLE_EQ(spec.outputs[0].axes[2].size.factor, 2.0);
  EXPECT_DOUBLE_EQ(spec.outputs[0].axes[2].size.offset, 2.0);
  EXPECT_EQ(spec.outputs[0].axes[1].size.value, 2);
}

TEST(Upgrade, A05RdfIsRefused) {
  const std::string text = slurp(source_dir() / "tests/data/models/laplace2d_tiny/rdf.yaml");
  std::vector<std::string> notes;
  EXPECT_THROW(model::upgrade_rdf(text, "rdf.yaml", notes), Error);
}

}  // namespace
}  // namespace deepimage
