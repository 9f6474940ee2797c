// Otsu's threshold: the value that best separates a histogram into two classes (largest between-class
// variance). Computed as scikit-image's `filters.threshold_otsu` computes it, so the two agree:
//   float values    256 bins of equal width from min to max (numpy.histogram), the threshold is a bin
//                   centre
//   integer values  one bin per integer from min to max, the threshold an integer
// Objects are then the pixels strictly above it (`image > threshold`).
//
//   OtsuHistogram h(min, max, false);   // min and max of the whole image, from a first pass
//   h.add(plane);  h.add(next_plane);    // every pixel, in any order, in any number of parts
//   double t = h.threshold();
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace deepimage::objects {

class OtsuHistogram {
 public:
  // `integer`: the values are integers (an integer image), binned one per value.
  OtsuHistogram(double min, double max, bool integer);
  void add(std::span<const float> values);  // NaN values are skipped
  double threshold() const;

 private:
  std::size_t bin_of(double v) const;
  double min_, max_;
  bool integer_;
  std::vector<double> edges_;        // float bins: numpy's linspace(min, max, 257)
  std::vector<std::uint64_t> counts_;
};

}  // namespace deepimage::objects
