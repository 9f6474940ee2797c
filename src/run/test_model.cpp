#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>

#include "deepimage/error.hpp"
#include "deepimage/model_test.hpp"
#include "engine/bare_model.hpp"
#include "engine/engine.hpp"
#include "io/image.hpp"
#include "io/npy.hpp"
#include "run/axis_mapping.hpp"
#include "run/predictor.hpp"
#include "tiling/padding.hpp"
#include "tiling/tile_plan.hpp"

namespace deepimage {
namespace {

bool is_tiff(const std::string& name) {
  std::string ext = std::filesystem::path(name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".tif" || ext == ".tiff";
}

// A legacy DeepImageJ bundle's exampleImage.tif / resultImage.tif: image axes ("yx"), read through a
// copy in a private temporary folder (the bundle may be a zip; the TIFF reader reads files by name).
Tensor read_tiff_bytes(const std::vector<std::byte>& bytes, const std::string& source) {
  std::string pattern = (std::filesystem::temp_directory_path() / "deepimage-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw Error(ErrorCode::io, "cannot make a temporary folder to read " + source);
  const std::filesystem::path folder = pattern;
  std::error_code ignored;
  try {
    const std::filesystem::path copy = folder / std::filesystem::path(source).filename();
    {
      std::ofstream out(copy, std::ios::binary);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      if (!out) throw Error(ErrorCode::io, "cannot write the temporary copy \"" + copy.string() + "\" of " + source);
    }
    Tensor pixels = io::read_image(copy).pixels;
    std::filesystem::remove_all(folder, ignored);
    return pixels;
  } catch (...) {
    std::filesystem::remove_all(folder, ignored);
    throw;
  }
}

Tensor read_test_tensor(const model::Model& model, const TensorSpec& spec, const std::string& what) {
  const std::string& source = spec.test_tensor;
  if (source.empty())
    throw Error(ErrorCode::bad_model, what + " \"" + spec.id + "\" has no test tensor, so the model cannot be tested");
  const std::vector<std::byte> bytes = model::read_checked(model, source, spec.test_tensor_sha256);
  if (is_tiff(source)) return run::to_model_axes(read_tiff_bytes(bytes, source), spec, source);
  Tensor t = io::read_npy_bytes(bytes, source);
  if (t.rank() != spec.axes.size())
    throw Error(ErrorCode::bad_model, source + ": test tensor has shape " + shape_to_string(t.shape()) + " but " + what +
                                          " \"" + spec.id + "\" has axes \"" + spec.axes_string() + "\"");
  t.set_axes(spec.axes_string());
  return t;
}

OutputComparison compare(const Tensor& actual, const Tensor& expected, const std::string& id,
                         const ReproducibilityTolerance& tol) {
  OutputComparison c;
  c.id = id;
  c.shape = actual.shape();
  c.relative_tolerance = tol.relative;
  c.absolute_tolerance = tol.absolute;
  c.element_count = expected.element_count();
  if (actual.shape() != expected.shape()) {
    c.problem = "shape " + shape_to_string(actual.shape()) + " differs from the expected " + shape_to_string(expected.shape());
    return c;
  }
  const Tensor a = actual.converted(DType::f64), e = expected.converted(DType::f64);
  const double* pa = a.data<double>();
  const double* pe = e.data<double>();
  double sum = 0;
  for (std::int64_t i = 0; i < c.element_count; ++i) {
    const double d = std::abs(pa[i] - pe[i]);
    if (!(d <= tol.absolute + tol.relative * std::abs(pe[i]))) ++c.mismatched;  // NaN counts as a mismatch
    if (d > c.max_abs_diff || std::isnan(d)) c.max_abs_diff = d;
    sum += d;
  }
  c.mean_abs_diff = c.element_count ? sum / static_cast<double>(c.element_count) : 0;
  c.allowed_mismatched = static_cast<std::int64_t>(std::floor(tol.mismatched_per_million * static_cast<double>(c.element_count) / 1e6));
  c.passed = c.mismatched <= c.allowed_mismatched;
  return c;
}

// The part of `tensor` in `box` over `axes` (inside the tensor).
Tensor crop(const Tensor& tensor, const std::string& axes, const Box& box) {
  return tiling::read_padded(tensor, axes, box, tiling::PadMode::zeros);
}

// The pipeline's output `tiled` against the test output `expected`, away from the image border: the
// test output covers output-image coordinates [crop, crop + n) along each tiled axis (a cropping
// network's output starts inside the image), and its pixels within the halo of its own border are
// left out.
OutputComparison compare_interior(const Tensor& tiled, const Tensor& expected, const TensorSpec& output,
                                  const std::string& tiled_axes, const ReproducibilityTolerance& tol) {
  std::string axes;
  Box in_expected, in_tiled;
  for (char a : tiled_axes) {
    const AxisSpec* axis = output.axis(a);
    if (!axis) continue;
    const std::int64_t n = expected.size(a);
    const std::int64_t shift = axis->size.kind == AxisSize::Kind::reference ? static_cast<std::int64_t>(std::llround(-axis->size.offset / 2)) : 0;
    const std::int64_t h = std::min(axis->halo, n / 2);
    axes += a;
    in_expected.begin.push_back(h), in_expected.end.push_back(n - h);
    in_tiled.begin.push_back(h + shift), in_tiled.end.push_back(n - h + shift);
    if (n - h + shift > tiled.size(a) || h + shift < 0) {
      OutputComparison c;
      c.id = output.id;
      c.problem = "the tiled output is " + std::to_string(tiled.size(a)) + " pixels along \"" + std::string(1, a) +
                  "\", too small to hold the test output's " + std::to_string(n) + " at offset " + std::to_string(shift);
      return c;
    }
  }
  OutputComparison c = compare(crop(tiled, axes, in_tiled), crop(expected, axes, in_expected), output.id, tol);
  c.shape = tiled.shape();
  return c;
}

}  // namespace

TestReport test_model(const TestOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const model::Model model = engine::open_model_or_weights(options.model, {options.input_name, options.output_name});
  const ModelSpec& spec = model.spec;
  const WeightsSpec& weights = engine::choose_weights(model, options.weights);

  std::vector<Tensor> inputs, expected;
  for (const auto& in : spec.inputs) inputs.push_back(read_test_tensor(model, in, "input"));
  for (const auto& out : spec.outputs) expected.push_back(read_test_tensor(model, out, "output"));

  run::Predictor predictor(model, weights, {.threads = options.threads, .precision = options.precision});
  run::TilingOptions as_given;
  as_given.whole = true;
  const std::vector<Tensor> actual = predictor.predict(inputs, as_given);

  // The same inputs through the run pipeline, cut into the smallest tiles that hold the halo.
  std::vector<Shape> shapes;
  for (const Tensor& in : inputs) shapes.push_back(in.shape());
  run::TilingOptions smallest;
  for (const tiling::AxisTiling& a : predictor.axis_tilings(shapes, smallest)) smallest.tile[a.id] = a.tile ? *a.tile : tiling::smallest_usable_tile(a);
  tiling::TilePlan plan;
  const std::vector<Tensor> tiled = predictor.predict(std::move(inputs), smallest, &plan);

  TestReport report;
  report.model_name = spec.name;
  report.weights_format = weights.format;
  report.precision = std::string(to_string(options.precision));
  report.engine = engine::engine_for_format(weights.format)->library;
  report.passed = true;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    report.outputs.push_back(compare(actual[i], expected[i], spec.outputs[i].id,
                                     spec.tolerance_for(spec.outputs[i].id, weights.format)));
    report.passed = report.passed && report.outputs.back().passed;
  }
  report.tiled_axes = plan.axes;
  report.tile_shape = plan.tile_shape;
  report.tile_count = plan.tiles.size();
  for (std::size_t i = 0; i < tiled.size(); ++i) {
    report.tiled_outputs.push_back(compare_interior(tiled[i], expected[i], spec.outputs[i], plan.axes,
                                                    spec.tolerance_for(spec.outputs[i].id, weights.format)));
    report.passed = report.passed && report.tiled_outputs.back().passed;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

nlohmann::json to_json(const TestReport& r) {
  const auto comparisons = [](const std::vector<OutputComparison>& list) {
    nlohmann::json outputs = nlohmann::json::array();
    for (const auto& c : list) {
    nlohmann::json o = {{"id", c.id}, {"shape", c.shape}, {"max_abs_diff", c.max_abs_diff},
                        {"mean_abs_diff", c.mean_abs_diff}, {"mismatched", c.mismatched},
                        {"allowed_mismatched", c.allowed_mismatched}, {"elements", c.element_count},
                        {"relative_tolerance", c.relative_tolerance}, {"absolute_tolerance", c.absolute_tolerance},
                        {"passed", c.passed}};
    if (!c.problem.empty()) o["problem"] = c.problem;
    outputs.push_back(o);
    }
    return outputs;
  };
  return {{"model", r.model_name}, {"weights_format", r.weights_format}, {"engine", r.engine}, {"precision", r.precision},
          {"outputs", comparisons(r.outputs)},
          {"tiled", {{"axes", r.tiled_axes}, {"tile_shape", r.tile_shape}, {"tile_count", r.tile_count},
                     {"outputs", comparisons(r.tiled_outputs)}}},
          {"seconds", r.seconds}, {"passed", r.passed}};
}

}  // namespace deepimage
