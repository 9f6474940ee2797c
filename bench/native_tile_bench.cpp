// Engine time per tile of the native executor on an ONNX file: import, specialise for one tile shape,
// build the executor, run it `--rounds` times and print one JSON line (median and min ms per tile).
//
//   native_tile_bench ../shared/realdata/unet2d_nuclei_broad/weights.onnx 1,1,512,512 --threads 2 --rounds 30
//   native_tile_bench weights.onnx 1,1,512,512 --input test_input.npy --expected test_output.npy --bundle-ops 1
//     (+ max |diff|; --bundle-ops 1: the nuclei bundle's zero_mean_unit_variance before and sigmoid after;
//     --bundle-ops zmuv: only before, for files that end in their own sigmoid)
//   native_tile_bench weights.onnx 1,1,256,256 --reference 1     # + max |diff| from the reference interpreter
//   native_tile_bench weights.onnx 1,1,512,512 --precision bf16
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "deepimage/precision.hpp"
#include "engine/graph/passes.hpp"
#include "engine/graph/reference_interpreter.hpp"
#include "engine/native/dnnl_executor.hpp"
#include "engine/onnx/onnx_import.hpp"
#include "io/npy.hpp"

namespace {

using namespace deepimage;
using clock_type = std::chrono::steady_clock;

// CPU time of the whole process (all threads): less sensitive than wall time to other jobs on the machine.
double cpu_ms() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

Shape parse_shape(const std::string& text) {
  Shape shape;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) shape.push_back(std::stoll(part));
  return shape;
}

int run(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: native_tile_bench MODEL.onnx N,C,Y,X [--threads N] [--rounds N] [--precision fp32|bf16] "
                 "[--input X.npy] [--expected Y.npy] [--bundle-ops 1] [--reference 1]\n";
    return 2;
  }
  const std::string model = argv[1];
  const Shape shape = parse_shape(argv[2]);
  int threads = 2, rounds = 20;
  std::string precision = "fp32", input_path, expected_path;
  bool bundle_ops = false, sigmoid_after = false, against_reference = false;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--threads") threads = std::stoi(value);
    else if (key == "--rounds") rounds = std::stoi(value);
    else if (key == "--precision") precision = value;
    else if (key == "--input") input_path = value;
    else if (key == "--expected") expected_path = value;
    else if (key == "--bundle-ops") bundle_ops = value == "1" || value == "zmuv", sigmoid_after = value == "1";
    else if (key == "--reference") against_reference = value == "1";
    else {
      std::cerr << "unknown option " << key << "\n";
      return 2;
    }
  }

  const auto t0 = clock_type::now();
  std::ifstream file(model, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::transform(chars.begin(), chars.end(), bytes.begin(), [](char c) { return static_cast<std::byte>(c); });
  const engine::graph::Graph imported = engine::import_onnx(bytes, model);
  engine::graph::Graph specialized = engine::graph::specialize(imported, {shape});
  const std::size_t nodes = specialized.nodes.size();
  const engine::graph::Graph kept = against_reference ? specialized : engine::graph::Graph();
  engine::native::DnnlExecutor executor(std::move(specialized),
                                        {.threads = threads,
                                         .precision = precision_from_string(precision)});
  const double build_ms = ms_since(t0);

  Tensor x(DType::f32, shape);
  if (!input_path.empty()) x = io::read_npy(input_path).converted(DType::f32);
  else
    for (std::int64_t i = 0; i < x.element_count(); ++i) x.data<float>()[i] = static_cast<float>((i * 7919) % 1000) / 1000.0f;

  if (bundle_ops) {
    double sum = 0, sq = 0;
    const std::int64_t n = x.element_count();
    for (std::int64_t i = 0; i < n; ++i) sum += x.data<float>()[i];
    const double mean = sum / static_cast<double>(n);
    for (std::int64_t i = 0; i < n; ++i) sq += (x.data<float>()[i] - mean) * (x.data<float>()[i] - mean);
    const double sd = std::sqrt(sq / static_cast<double>(n));
    for (std::int64_t i = 0; i < n; ++i) x.data<float>()[i] = static_cast<float>((x.data<float>()[i] - mean) / (sd + 1e-6));
  }

  auto t1 = clock_type::now();
  std::vector<Tensor> y = executor.run({x});
  const double first_ms = ms_since(t1);
  std::vector<double> times;
  const double cpu_before = cpu_ms();
  for (int r = 0; r < rounds; ++r) {
    t1 = clock_type::now();
    y = executor.run({x});
    times.push_back(ms_since(t1));
  }
  const double cpu_per_tile = rounds > 0 ? (cpu_ms() - cpu_before) / rounds : 0;
  double mean = 0;
  for (double t : times) mean += t / static_cast<double>(times.size());
  std::sort(times.begin(), times.end());
  const double median = times.empty() ? first_ms : times[times.size() / 2];
  const double min = times.empty() ? first_ms : times.front();

  double max_abs = -1;
  if (!expected_path.empty()) {
    const Tensor e = io::read_npy(expected_path).converted(DType::f32);
    if (sigmoid_after)
      for (std::int64_t i = 0; i < y[0].element_count(); ++i) y[0].data<float>()[i] = 1.0f / (1.0f + std::exp(-y[0].data<float>()[i]));
    max_abs = 0;
    for (std::int64_t i = 0; i < std::min(e.element_count(), y[0].element_count()); ++i)
      max_abs = std::max(max_abs, static_cast<double>(std::abs(e.data<float>()[i] - y[0].data<float>()[i])));
  }
  double max_abs_reference = -1;
  if (against_reference) {
    const Tensor r = engine::graph::run_reference(kept, {x})[0];
    const Tensor yr = executor.run({x})[0];
    max_abs_reference = 0;
    for (std::int64_t i = 0; i < r.element_count(); ++i)
      max_abs_reference = std::max(max_abs_reference, static_cast<double>(std::abs(r.data<float>()[i] - yr.data<float>()[i])));
  }
  std::string fallbacks;
  for (const auto& r : executor.reference_nodes()) fallbacks += (fallbacks.empty() ? "\"" : ", \"") + r + "\"";
  for (char& c : fallbacks)
    if (c == '\\') c = '/';
  std::printf(
      "{\"model\": \"%s\", \"tile_shape\": \"%s\", \"threads\": %d, \"precision\": \"%s\", \"nodes\": %zu, "
      "\"build_ms\": %.1f, \"first_tile_ms\": %.2f, \"ms_per_tile\": %.2f, \"ms_per_tile_min\": %.2f, "
      "\"ms_per_tile_mean\": %.2f, \"cpu_ms_per_tile\": %.2f, "
      "\"activation_mib\": %.1f, \"max_abs_vs_expected\": %.3g, \"max_abs_vs_reference\": %.3g, \"reference_nodes\": [%s]}\n",
      model.c_str(), shape_to_string(shape).c_str(), threads, precision.c_str(), nodes, build_ms, first_ms, median, min,
      mean, cpu_per_tile,
      static_cast<double>(executor.activation_bytes()) / (1 << 20), max_abs, max_abs_reference, fallbacks.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
