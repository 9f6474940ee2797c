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
// Or in one go with the model: RunOptions::objects (run.hpp), `deepimage run ... --objects`; or on
// arrays in memory: find_objects(TensorView, ...) in deepimage.hpp (the Python module's).
//
// Objects are found in each 2D plane, or in each 3D volume when the image has a z axis (unless
// per_slice), for every other index (time, ...) separately: labels start at 1 in each. They are found
// on the whole stitched image, so a tiled or streamed run gives the same objects as a whole-image run.
// Labels are numbered in raster order of each object's first pixel (scikit-image's `label` order).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "deepimage/model_spec.hpp"
#include "deepimage/object_rules.hpp"

namespace deepimage {

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

ObjectsReport find_objects(const FindObjectsOptions& options);
nlohmann::json to_json(const ObjectsReport& report);

// Where find_objects puts its files when they are not named (`probability` with `_labels.tif` and
// `_objects.csv` in place of its extension).
std::filesystem::path default_labels_path(const std::filesystem::path& probability);
std::filesystem::path default_table_path(const std::filesystem::path& probability);

}  // namespace deepimage
