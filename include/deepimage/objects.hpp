// From a probability map to objects: threshold, fill holes, connected components, split touching
// objects, size filters; then a label image and a table of measurements per object.
//
//   deepimage::FindObjectsOptions o;
//   o.probability = "cells_unet.tif";       // a model's output (TIFF or OME-Zarr)
//   o.intensity = "cells.tif";              // optional: measured under each object, every channel
//   o.rules.threshold = 0.5;                // the default; or o.rules.otsu = true: Otsu's over the whole image
//   o.rules.split = true;                   // cut touching objects (watershed on the distance transform)
//   o.rules.min_size = 20;
//   deepimage::ObjectsReport r = deepimage::find_objects(o);
//   // wrote cells_unet_labels.tif (16-bit, or 32-bit float past 65535 objects in one image: ImageJ
//   // shows it with a label colour table) and cells_unet_objects.csv; r.object_count, r.rows
//
// Or in one go with the model: RunOptions::objects (run.hpp), `deepimage run ... --objects`.
//
// Objects are found in each 2D plane, or in each 3D volume when the image has a z axis (unless
// per_slice), for every other index (time, ...) separately: labels start at 1 in each. They are found
// on the whole stitched image, so a tiled or streamed run gives the same objects as a whole-image run.
// Labels are numbered in raster order of each object's first pixel (scikit-image's `label` order).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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
};

// `rules` with what they leave unset taken from the model (a StarDist model: star-convex, with its
// thresholds), then from the defaults; `from_model` says whether the model gave anything.
struct ResolvedObjectRules {
  ObjectRules rules;  // threshold (unless otsu), star_convex and nms all set
  bool from_model = false;
};
ResolvedObjectRules resolve_object_rules(const ObjectRules& rules, const std::optional<StarConvexSpec>& model);

struct FindObjectsOptions {
  std::filesystem::path probability;  // the image to threshold (TIFF, OME-Zarr, .npy with `axes`)
  std::filesystem::path intensity;    // optional: the image measured under the objects (same y, x, z)
  std::filesystem::path labels;       // label image (.tif); empty: <probability stem>_labels.tif beside it
  std::filesystem::path table;        // measurements (.csv); empty: <probability stem>_objects.csv beside it
  std::string axes;                   // the probability image's axes when its file does not say (.npy)
  ObjectRules rules;
  std::optional<StarConvexSpec> model;  // what the model that wrote the image declares (run_model sets it)
  bool overwrite = false;
};

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

ObjectsReport find_objects(const FindObjectsOptions& options);
nlohmann::json to_json(const ObjectsReport& report);

// Where find_objects puts its files when they are not named (`probability` with `_labels.tif` and
// `_objects.csv` in place of its extension).
std::filesystem::path default_labels_path(const std::filesystem::path& probability);
std::filesystem::path default_table_path(const std::filesystem::path& probability);

}  // namespace deepimage
