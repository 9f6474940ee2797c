#include "run/run_warnings.hpp"
#include "model/spec_json.hpp"

#include <cmath>
#include <map>
#include <sstream>

namespace deepimage::run {
namespace {

constexpr double kPixelSizeTolerance = 0.10;  // relative difference beyond which the pixel size warns
const float kSigmoidOfOne = static_cast<float>(1.0 / (1.0 + std::exp(-1.0)));  // 0.7310586

// Metres per unit: the bioimage.io 0.5 space units most used for microscopes, and the spellings
// TIFF/ImageJ files use ("micron" is what the TIFF reader reports for µm, um and microns).
std::optional<double> metres_per(const std::string& unit) {
  static const std::map<std::string, double> units = {
      {"meter", 1.0},      {"m", 1.0},        {"centimeter", 1e-2}, {"cm", 1e-2},      {"millimeter", 1e-3},
      {"mm", 1e-3},        {"micrometer", 1e-6}, {"micron", 1e-6},  {"um", 1e-6},      {"nanometer", 1e-9},
      {"nm", 1e-9},        {"angstrom", 1e-10}, {"picometer", 1e-12}, {"pm", 1e-12}};
  auto it = units.find(unit);
  return it == units.end() ? std::nullopt : std::optional<double>(it->second);
}

std::string number(double v) {
  std::ostringstream s;
  s.precision(3);
  s << v;
  return s.str();
}

// sigmoid is the last op that changes values: only ensure_dtype to a float type may follow it.
bool ends_in_sigmoid(const std::vector<OpSpec>& ops) {
  for (std::size_t k = ops.size(); k-- > 0;) {
    if (ops[k].id == "sigmoid") return true;
    const nlohmann::json kwargs = kwargs_of(ops[k]);
    const nlohmann::json* dtype = kwargs.is_object() && kwargs.contains("dtype") ? &kwargs["dtype"] : nullptr;
    const bool float_cast = ops[k].id == "ensure_dtype" && dtype && (*dtype == "float32" || *dtype == "float64");
    if (!float_cast) return false;
  }
  return false;
}

}  // namespace

RunWarnings::RunWarnings(const ModelSpec& spec) : spec_(spec), inputs_(spec.inputs.size()), outputs_(spec.outputs.size()) {
  for (std::size_t i = 0; i < spec.outputs.size(); ++i) outputs_[i].after_sigmoid = ends_in_sigmoid(spec.outputs[i].postprocessing);
}

void RunWarnings::pixel_size(std::size_t i, const std::string& file, const std::string& axes,
                             const std::optional<io::Calibration>& calibration) {
  if (!calibration || i >= spec_.inputs.size()) return;
  const std::optional<double> image_unit = metres_per(calibration->unit);
  if (!image_unit) return;
  std::string differences;
  for (const AxisSpec& a : spec_.inputs[i].axes) {
    if (a.type != AxisType::space || a.unit.empty() || !(a.scale > 0) || axes.find(a.id) == std::string::npos) continue;
    const std::optional<double> model_unit = metres_per(a.unit);
    const double image_size = a.id == 'x' ? calibration->x : a.id == 'y' ? calibration->y : calibration->z;
    if (!model_unit || !(image_size > 0)) continue;
    const double ratio = image_size * *image_unit / (a.scale * *model_unit);
    if (std::abs(ratio - 1.0) <= kPixelSizeTolerance) continue;
    differences += (differences.empty() ? "" : ", ") + std::string(1, a.id) + " " + number(image_size) + " " +
                   calibration->unit + " (model: " + number(a.scale) + " " + a.unit + ")";
  }
  if (!differences.empty())
    pixel_size_lines_.push_back("\"" + file + "\" has a pixel size of " + differences + " for input \"" +
                                spec_.inputs[i].id + "\": more than 10 % off the model's; rescale the image for "
                                "results like the model's own");
}

void RunWarnings::input(std::size_t i, const std::string& name, const Tensor& values) {
  if (i >= inputs_.size()) return;
  InputCount& c = inputs_[i];
  c.name = name;
  c.total += values.element_count();
  const auto count = [&](const auto* p) {
    for (std::int64_t e = 0, n = values.element_count(); e < n; ++e) {
      c.nan += std::isnan(p[e]);
      c.inf += std::isinf(p[e]);
    }
  };
  if (values.dtype() == DType::f32) count(values.data<float>());
  else if (values.dtype() == DType::f64) count(values.data<double>());
}

void RunWarnings::output(std::size_t i, const Tensor& values) {
  if (i >= outputs_.size() || !outputs_[i].after_sigmoid || values.dtype() != DType::f32) return;
  OutputRange& r = outputs_[i];
  const float* p = values.data<float>();
  for (std::int64_t e = 0, n = values.element_count(); e < n && r.all_in_band; ++e) {
    if (!std::isfinite(p[e])) continue;
    ++r.finite;
    r.all_in_band = p[e] >= 0.5f && p[e] <= kSigmoidOfOne;
  }
}

std::vector<std::string> RunWarnings::lines() const {
  std::vector<std::string> lines;
  for (const InputCount& c : inputs_)
    if (c.nan || c.inf)
      lines.push_back(c.name + " holds " + std::to_string(c.nan) + " NaN and " + std::to_string(c.inf) +
                      " infinite values (of " + std::to_string(c.total) + "); statistics skip them, the network "
                      "computes with them, and output pixels that see them may be NaN");
  lines.insert(lines.end(), pixel_size_lines_.begin(), pixel_size_lines_.end());
  for (std::size_t i = 0; i < outputs_.size(); ++i)
    if (outputs_[i].after_sigmoid && outputs_[i].all_in_band && outputs_[i].finite > 0)
      lines.push_back("output \"" + spec_.outputs[i].id + "\": every value lies in 0.5..0.731 after the rdf's sigmoid "
                      "postprocessing, so the network's own values were all in 0..1; the weights probably end in a "
                      "sigmoid already and the result is sigmoid(sigmoid(x))");
  return lines;
}

}  // namespace deepimage::run
