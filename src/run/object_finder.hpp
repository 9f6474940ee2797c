// ObjectFinder — the work of find_objects between its inputs and its outputs, whatever they are:
// files (find_objects.cpp: a label image and a CSV table through temporary files) or arrays in memory
// (find_objects_in_memory.cpp: the library's and the Python module's). The probability image is read
// one plane or volume at a time (twice with Otsu: its min/max and histogram come from the whole image
// first); each is segmented (src/objects), measured against the intensity image, and handed over.
//
//   ObjectFinder finder(*probability, "", intensity.get(), rules, spec.star_convex);
//   ObjectsReport r = finder.run(65535, [&](const Box& box, const Tensor& labels) { sink->write(box, labels); });
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "deepimage/objects.hpp"
#include "io/image_region.hpp"

namespace deepimage::run {

class ObjectFinder {
 public:
  // An object image (a plane or volume) had more objects than run() was allowed.
  struct TooManyLabels {
    std::uint32_t count;
  };

  // Checks the rules against the image (and the intensity image against it) before any work, then
  // measures Otsu's threshold when the rules ask (a pass over the whole image, once however often run()
  // is called); `axes`: the probability image's when its source does not say them. The sources must
  // outlive the finder.
  ObjectFinder(const io::ImageSource& probability, const std::string& axes, const io::ImageSource* intensity, const ObjectRules& rules,
               const std::optional<StarConvexSpec>& model);
  ~ObjectFinder();

  // The label image: the probability image's axes without its channel axis, its calibration with the
  // label colour table; dtype left to the caller.
  const io::ImageInfo& label_info() const;

  // Labels every object image and calls write(box of the label image, its labels as u32 in
  // label_info().axes); throws TooManyLabels when one holds more than `most_labels`. The report has
  // everything but the file names and the time.
  ObjectsReport run(std::uint32_t most_labels, const std::function<void(const Box&, const Tensor&)>& write) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace deepimage::run
