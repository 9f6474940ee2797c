#include <chrono>
#include <cmath>

#include "deepimage/error.hpp"
#include "deepimage/model_test.hpp"
#include "engine/engine.hpp"
#include "io/npy.hpp"
#include "run/predictor.hpp"

namespace deepimage {
namespace {

Tensor read_test_tensor(const model::Model& model, const TensorSpec& spec, const std::string& what) {
  const std::string& source = spec.test_tensor;
  if (source.empty())
    throw Error(ErrorCode::bad_model, what + " \"" + spec.id + "\" has no test tensor, so the model cannot be tested");
  const std::vector<std::byte> bytes = model::read_checked(model, source, spec.test_tensor_sha256);
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

}  // namespace

TestReport test_model(const TestOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const model::Model model = model::open_model(options.model);
  const ModelSpec& spec = model.spec;
  const WeightsSpec& weights = engine::choose_weights(spec, options.weights);

  std::vector<Tensor> inputs, expected;
  for (const auto& in : spec.inputs) inputs.push_back(read_test_tensor(model, in, "input"));
  for (const auto& out : spec.outputs) expected.push_back(read_test_tensor(model, out, "output"));

  run::Predictor predictor(model, weights, {.threads = options.threads});
  run::TilingOptions as_given;
  as_given.whole = true;
  const std::vector<Tensor> actual = predictor.predict(std::move(inputs), as_given);

  TestReport report;
  report.model_name = spec.name;
  report.weights_format = weights.format;
  report.engine = engine::engine_for_format(weights.format)->library;
  report.passed = true;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    report.outputs.push_back(compare(actual[i], expected[i], spec.outputs[i].id,
                                     spec.tolerance_for(spec.outputs[i].id, weights.format)));
    report.passed = report.passed && report.outputs.back().passed;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

nlohmann::json to_json(const TestReport& r) {
  nlohmann::json outputs = nlohmann::json::array();
  for (const auto& c : r.outputs) {
    nlohmann::json o = {{"id", c.id}, {"shape", c.shape}, {"max_abs_diff", c.max_abs_diff},
                        {"mean_abs_diff", c.mean_abs_diff}, {"mismatched", c.mismatched},
                        {"allowed_mismatched", c.allowed_mismatched}, {"elements", c.element_count},
                        {"relative_tolerance", c.relative_tolerance}, {"absolute_tolerance", c.absolute_tolerance},
                        {"passed", c.passed}};
    if (!c.problem.empty()) o["problem"] = c.problem;
    outputs.push_back(o);
  }
  return {{"model", r.model_name}, {"weights_format", r.weights_format}, {"engine", r.engine},
          {"outputs", outputs}, {"seconds", r.seconds}, {"passed", r.passed}};
}

}  // namespace deepimage
