#include "deepimage/bench.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>

#include "core/cpu_features.hpp"
#include "deepimage/error.hpp"
#include "engine/bare_model.hpp"
#include "engine/engine.hpp"
#include "model/model.hpp"
#include "run/memory.hpp"
#include "run/stopwatch.hpp"

namespace deepimage {
namespace {

using run::Clock;
double ms_since(Clock::time_point t0) { return 1000.0 * run::seconds_since(t0); }

// The default tile: a model's fixed size, else its smallest valid size >= 512 (2D) or >= 64 (3D),
// a size that tiling a real image would pick and one large enough for engines to reach their
// steady speed.
std::int64_t default_size(const AxisSize& s, std::size_t spatial_rank) {
  const std::int64_t target = spatial_rank >= 3 ? 64 : 512;
  if (s.kind == AxisSize::Kind::fixed) return s.value;
  if (s.kind == AxisSize::Kind::parameterized) {
    if (s.step == 0 || s.min >= target) return s.min;
    return s.min + (target - s.min + s.step - 1) / s.step * s.step;
  }
  return -1;  // resolved from the referenced input
}

bool accepts(const AxisSize& s, std::int64_t v) {
  if (s.kind == AxisSize::Kind::fixed) return v == s.value;
  if (s.kind == AxisSize::Kind::parameterized) return v >= s.min && (s.step == 0 ? v == s.min : (v - s.min) % s.step == 0);
  return true;
}

std::string rule_text(const AxisSize& s) {
  if (s.kind == AxisSize::Kind::fixed) return "exactly " + std::to_string(s.value);
  return "min " + std::to_string(s.min) + ", step " + std::to_string(s.step);
}

// Input shapes for the engine: spatial axes from the tile, others at their fixed or minimum size;
// an axis sized after another input's axis takes that axis' size (scale and offset as declared).
std::vector<Shape> input_shapes(const ModelSpec& spec, const std::map<char, std::int64_t>& tile) {
  std::vector<Shape> shapes(spec.inputs.size());
  for (std::size_t i = 0; i < spec.inputs.size(); ++i) {
    for (const AxisSpec& a : spec.inputs[i].axes) {
      std::int64_t v = a.size.kind == AxisSize::Kind::fixed ? a.size.value : a.size.min;
      if (a.type == AxisType::space) v = tile.at(a.id);
      shapes[i].push_back(v);
    }
  }
  for (std::size_t i = 0; i < spec.inputs.size(); ++i)
    for (std::size_t k = 0; k < spec.inputs[i].axes.size(); ++k) {
      const AxisSize& s = spec.inputs[i].axes[k].size;
      if (s.kind != AxisSize::Kind::reference || spec.inputs[i].axes[k].type == AxisType::space) continue;
      for (std::size_t j = 0; j < spec.inputs.size(); ++j)
        if (spec.inputs[j].id == s.ref_tensor)
          for (std::size_t m = 0; m < spec.inputs[j].axes.size(); ++m)
            if (spec.inputs[j].axes[m].id == s.ref_axis)
              shapes[i][k] = static_cast<std::int64_t>(static_cast<double>(shapes[j][m]) * s.factor + s.offset);
    }
  return shapes;
}

// Uniform values in [-1, 1]: the range of a normalised image. Engines time the same on any values
// except denormals, which this avoids.
Tensor synthetic(DType dtype, const Shape& shape, std::uint32_t seed) {
  Tensor f(DType::f32, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  float* p = f.data<float>();
  for (std::int64_t i = 0; i < f.element_count(); ++i) p[i] = u(rng);
  return f.converted(dtype);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

BenchReport bench_model(const BenchOptions& o) {
  if (o.rounds < 1) throw Error(ErrorCode::invalid_argument, "--rounds must be at least 1, got " + std::to_string(o.rounds));
  if (o.gflop_per_tile && !(*o.gflop_per_tile > 0))
    throw Error(ErrorCode::invalid_argument, "--gflop-per-tile must be positive, got " + std::to_string(*o.gflop_per_tile));
  BenchReport r;
  auto t0 = Clock::now();
  const model::Model model = engine::open_model_or_weights(o.model, {o.input_name, o.output_name});
  const ModelSpec& spec = model.spec;
  const TensorSpec& first = spec.inputs.at(0);

  std::size_t spatial_rank = 0;
  for (const AxisSpec& a : first.axes) spatial_rank += a.type == AxisType::space;
  std::map<char, std::int64_t> tile;
  for (const AxisSpec& a : first.axes) {
    if (a.type != AxisType::space) continue;
    r.tile_axes += a.id;
    std::int64_t v = default_size(a.size, spatial_rank);
    if (auto it = o.tile.find(a.id); it != o.tile.end()) {
      v = it->second;
      if (!accepts(a.size, v))
        throw Error(ErrorCode::invalid_argument, "tile size " + std::to_string(v) + " along \"" + std::string(1, a.id) +
                                                     "\" is not one the model accepts (" + rule_text(a.size) + ")");
    }
    if (v < 1)
      throw Error(ErrorCode::unsupported, "input \"" + first.id + "\" axis \"" + std::string(1, a.id) +
                                              "\" is sized after another tensor; give --tile for it");
    tile[a.id] = v;
    r.tile_shape.push_back(v);
  }
  for (const auto& [id, size] : o.tile)
    if (!tile.count(id))
      throw Error(ErrorCode::invalid_argument, "--tile names axis \"" + std::string(1, id) + "\" but the model's spatial axes are \"" +
                                                   r.tile_axes + "\"");
  r.tile_pixels = 1;
  for (auto v : r.tile_shape) r.tile_pixels *= v;

  const WeightsSpec& weights = engine::choose_weights(model, o.weights);
  std::unique_ptr<engine::Engine> engine = engine::load_engine(model, weights, {.threads = o.threads, .precision = o.precision});
  r.load_s = ms_since(t0) / 1000;
  r.model_name = spec.name;
  r.weights_format = weights.format;
  r.precision = std::string(to_string(o.precision));
  r.engine = engine::engine_for_format(weights.format)->library;
  r.threads = resolved_thread_count(o.threads);
  r.rounds = o.rounds;

  std::vector<Tensor> inputs;
  std::uint32_t seed = 1;
  for (std::size_t i = 0; i < spec.inputs.size(); ++i) {
    const Shape shape = input_shapes(spec, tile)[i];
    r.input_shapes.push_back(shape);
    inputs.push_back(synthetic(spec.inputs[i].data_type, shape, seed++));
  }

  t0 = Clock::now();
  engine->run(inputs);
  r.first_tile_ms = ms_since(t0);
  std::vector<double> ms;
  for (int k = 0; k < o.rounds; ++k) {
    t0 = Clock::now();
    engine->run(inputs);
    ms.push_back(ms_since(t0));
  }
  r.ms_per_tile = median(ms);
  r.ms_per_tile_min = *std::min_element(ms.begin(), ms.end());
  r.ms_per_tile_max = *std::max_element(ms.begin(), ms.end());
  r.tiles_per_s = 1000.0 / r.ms_per_tile;
  r.pixels_per_s = r.tiles_per_s * static_cast<double>(r.tile_pixels);
  if (o.gflop_per_tile) {
    r.gflop_per_tile = o.gflop_per_tile;
    r.gflop_per_s = *o.gflop_per_tile * r.tiles_per_s;
  }
  r.peak_rss_bytes = run::peak_rss_bytes();
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  r.omp_wait_policy = policy ? policy : "";
  return r;
}

nlohmann::json to_json(const BenchReport& r) {
  const auto optional = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  return {{"model_name", r.model_name},
          {"weights_format", r.weights_format},
          {"engine", r.engine},
          {"precision", r.precision},
          {"threads", r.threads},
          {"rounds", r.rounds},
          {"tile_axes", r.tile_axes},
          {"tile_shape", r.tile_shape},
          {"input_shapes", r.input_shapes},
          {"tile_pixels", r.tile_pixels},
          {"load_s", r.load_s},
          {"first_tile_ms", r.first_tile_ms},
          {"ms_per_tile", r.ms_per_tile},
          {"ms_per_tile_min", r.ms_per_tile_min},
          {"ms_per_tile_max", r.ms_per_tile_max},
          {"tiles_per_s", r.tiles_per_s},
          {"pixels_per_s", r.pixels_per_s},
          {"gflop_per_tile", optional(r.gflop_per_tile)},
          {"gflop_per_s", optional(r.gflop_per_s)},
          {"peak_rss_bytes", r.peak_rss_bytes},
          {"omp_wait_policy", r.omp_wait_policy}};
}

}  // namespace deepimage
