// A TensorFlow SavedModel packed the way bioimage.io's tensorflow_saved_model_bundle weights are: one
// zip with saved_model.pb and variables/ at its root, whatever folder (or zip, or folder inside a zip)
// the SavedModel came in.
//
//   write_saved_model_zip("tf_density_count/", staging / "tensorflow_saved_model_bundle.zip");
//
// Only the SavedModel format's own files go in: saved_model.pb, fingerprint.pb, variables/, assets/ and
// assets.extra/; anything else beside them (a training graph, a model.yaml, test images) stays out.
// Entries are stored in name order, so the same SavedModel zips to the same entry order.
#pragma once

#include <filesystem>

namespace deepimage::build {

inline constexpr const char* kSavedModelZip = "tensorflow_saved_model_bundle.zip";

// `saved_model`: a folder or .zip holding saved_model.pb (at its root, or in its one top folder).
void write_saved_model_zip(const std::filesystem::path& saved_model, const std::filesystem::path& zip_path);

}  // namespace deepimage::build
