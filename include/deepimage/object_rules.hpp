// The rules that turn a probability map into objects, and the report of what they gave: shared by
// find_objects on files (objects.hpp, the command line) and on arrays in memory (deepimage.hpp, the
// library and the Python module). docs/objects.md says what each rule does.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deepimage/model_spec.hpp"

namespace deepimage {

struct ObjectRules {
  // Foreground: value > threshold. Unset: the model's (run_model with a StarDist model), else 0.5.
  std::optional<double> threshold;
  bool otsu = false;                       // the threshold is Otsu's over the whole image instead
  int channel = 0;                         // the probability image's channel to threshold
  bool fill_holes = false;                 // background enclosed by an object becomes part of it
  int connectivity = 0;                    // neighbours: 4 or 8 in 2D, 6, 18 or 26 in 3D; 0: 8 and 26
  bool split = false;                      // split touching objects (seeded watershed on the distance)
  double split_depth = 0.5;                // seeds: distance peaks rising this far (pixels) above any saddle
  std::uint64_t min_size = 0, max_size = 0;  // pixels (voxels); max 0: no limit
  bool per_slice = false;                  // z stacks: objects in each slice (2D), not in the volume (3D)
  // StarDist-style output: `channel` is the object probability, the other channels (in order) the
  // distances to the boundary along rays at angles 2*pi*k/N (src/objects/star_convex.hpp). Proposals
  // above `threshold` become polygons; those overlapping a more probable kept one by more than `nms`
  // (the intersection over the smaller polygon, as StarDist measures it) are dropped. Fill holes,
  // split and connectivity do not apply; size filters do. With a z axis: polyhedra, rays on StarDist
  // 3D's golden spiral stretched by the image's voxel size ratio (src/objects/sphere_rays.hpp).
  // Unset: what the model declares (run_model: ModelSpec::star_convex, a StarDist model's
  // config.stardist, which also gives threshold and nms where they are unset), else false and 0.4.
  std::optional<bool> star_convex;
  std::optional<double> nms;
  // 3D star-convex objects: the anisotropy (z, y, x) the StarDist 3D model was trained with, which
  // bends its rays (its rdf does not say it). Unset: the image's voxel size ratio.
  std::optional<std::array<double, 3>> anisotropy;
};

// `rules` with what they leave unset taken from the model (a StarDist model: star-convex, with its
// thresholds), then from the defaults; `from_model` says whether the model gave anything.
struct ResolvedObjectRules {
  ObjectRules rules;  // threshold (unless otsu), star_convex and nms all set
  bool from_model = false;
};
ResolvedObjectRules resolve_object_rules(const ObjectRules& rules, const std::optional<StarConvexSpec>& model);

// A threshold as people type it (the command line's --threshold, the web app's field, Python's
// threshold="..."): a finite number, or otsu. Sets rules.threshold or rules.otsu; false, with `rules`
// unchanged, for any other text (each front end words its own error).
bool read_threshold(std::string_view text, ObjectRules& rules);

struct ObjectsReport {
  std::string labels_file, table_file;
  double threshold = 0;
  bool otsu = false;                   // the threshold is Otsu's, over the whole image
  bool star_convex = false;            // polygons from ray distances (then `nms` applies)
  double nms = 0;
  std::string rules_from;              // "config.stardist" when the model's rdf gave the rules; else ""
  std::string label_axes;              // axes of the label image ("tyx", "zyx", ...)
  std::string object_axes;             // axes objects span: "yx" or "zyx"
  std::size_t image_count = 1;         // planes or volumes labelled
  std::size_t object_count = 0;        // over all of them
  std::vector<std::string> columns;    // of the table
  std::vector<std::vector<double>> rows;  // one per object, values in column order
  double total_s = 0;
};

}  // namespace deepimage
