#include "test_report_display.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace deepimage::cli {

void print_test_report(const TestReport& r) {
  std::cout << r.model_name << " (" << r.weights_format << ", " << r.engine
            << (r.precision == "fp32" ? "" : ", " + r.precision + ": compared with the tolerance of fp32 outputs") << ")\n";
  const auto print = [](const std::vector<OutputComparison>& list) {
    for (const auto& o : list)
      std::printf("    %-14s %s  max |diff| %.3g  mean |diff| %.3g  mismatched %lld of %lld (allowed %lld; rtol %g, atol %g)%s%s\n",
                  o.id.c_str(), o.passed ? "PASS" : "FAIL", o.max_abs_diff, o.mean_abs_diff,
                  static_cast<long long>(o.mismatched), static_cast<long long>(o.element_count),
                  static_cast<long long>(o.allowed_mismatched), o.relative_tolerance, o.absolute_tolerance,
                  o.problem.empty() ? "" : "; ", o.problem.c_str());
  };
  std::cout << "  the engine on the test inputs as given:\n";
  print(r.outputs);
  std::string tile;
  for (std::size_t k = 0; k < r.tile_shape.size(); ++k)
    tile += (k ? "," : "") + std::string(1, r.tiled_axes[k]) + "=" + std::to_string(r.tile_shape[k]);
  std::cout << "  the run pipeline in " << r.tile_count << " tiles of " << (tile.empty() ? "the whole input" : tile)
            << " (away from the border halo):\n";
  print(r.tiled_outputs);
  const auto all_passed = [](const std::vector<OutputComparison>& list) {
    return std::all_of(list.begin(), list.end(), [](const OutputComparison& o) { return o.passed; });
  };
  if (r.passed)
    std::cout << "passed\n";
  else if (all_passed(r.outputs))
    std::cout << "FAILED: the engine reproduces the test outputs, but not when the input is tiled: the model's declared "
                 "halo does not cover what its network sees, so tiled runs show seams (run whole images, or give a "
                 "larger --halo)\n";
  else
    std::cout << "FAILED: outputs differ from the bundle's test outputs\n";
}

}  // namespace deepimage::cli
