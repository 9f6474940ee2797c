// Checking a model description, upgrading it to rdf 0.5, and refreshing its sha256 hashes (what
// `deepimage validate` does).
//
//   deepimage::ValidationReport r = deepimage::validate_model("unet2d_nuclei_broad/");
//   r.valid();                   // no errors (warnings allowed)
//   r.errors[0].path;            // "inputs[0].axes[2].size.step"
//   r.errors[0].message;         // "\"abc\" is not a whole number"
//   r.errors[0].hint;            // "a positive integer: sizes are min + n * step"
//
//   deepimage::upgrade_model({.model = "old/rdf.yaml", .output = "new.yaml"});   // rdf 0.4 -> 0.5
//   deepimage::update_hashes({.model = "bundle/"});                             // sha256 of every file
//
// Every problem is reported, not only the first: the document is walked field by field (required
// fields, types, format_version, axes, size rules, halos, op names and kwargs, tensor references),
// every file it names is looked up in the bundle (weights, test and sample tensors, covers,
// documentation) and hashed where a sha256 is given, and the test tensors' shapes are checked
// against the declared sizes. A model that cannot be read at all (no such file, no rdf in the
// folder, not a zip) throws deepimage::Error instead.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace deepimage {

struct ValidationProblem {
  std::string path;     // field path in the rdf ("weights.torchscript.sha256"); empty for the whole document
  std::string message;  // what is wrong, quoting the value
  std::string hint;     // what is expected
};

struct ValidationReport {
  std::string model;           // as given
  std::string rdf;             // the rdf's entry name in the bundle
  std::string format_version;  // as written; empty when absent
  std::vector<ValidationProblem> errors, warnings;
  bool valid() const { return errors.empty(); }
};

ValidationReport validate_model(const std::filesystem::path& model);
// {valid, model, rdf, format_version, errors: [{path, message, hint}], warnings: [...]}
nlohmann::json to_json(const ValidationReport& report);

struct UpgradeOptions {
  std::filesystem::path model;   // bundle folder, .zip or rdf file of format 0.4 (or 0.3)
  std::filesystem::path output;  // the 0.5 rdf to write (required); the input is never changed
  bool overwrite = false;        // replace an existing `output`
};
struct UpgradeReport {
  std::string from_version, to_version;
  std::vector<std::string> notes;  // conversions that change meaning or fill in defaults
};
// Rewrites a 0.4/0.3 rdf as a 0.5 one, as bioimageio.spec's format update does: axis letters become
// axis descriptions, shape becomes per-axis size (and halo), data_type/data_range become `data`, op
// names become ids and 0.4 kwargs their 0.5 form, test_inputs/... move into the tensors. The output
// parses as the same model (axes, sizes, halos, ops). Written through a temporary file.
UpgradeReport upgrade_model(const UpgradeOptions& options);

struct HashUpdateOptions {
  std::filesystem::path model;   // bundle folder, .zip or rdf file
  std::filesystem::path output;  // empty: the rdf in place (folders); a .zip needs a new .zip here
  bool overwrite = false;        // replace an existing `output`
};
struct HashUpdate {
  std::string path;  // field path of the sha256 ("weights.torchscript.sha256")
  std::string file;  // the bundle entry hashed
  std::string old_sha256, new_sha256;  // old empty when there was none
};
struct HashUpdateReport {
  std::filesystem::path written;  // the rdf or zip written
  std::vector<HashUpdate> updates;  // the hashes that changed or were added
};
// Computes the sha256 of every file the rdf names where the format has a sha256 field (weights;
// 0.5: test and sample tensors, attachments) and writes them into the rdf: in place for a folder
// bundle or an rdf file (temporary file + rename; the rest of the text, comments included, is
// kept), or into a copy of a .zip at `output`. Throws for a .zip without `output`, for a missing file.
HashUpdateReport update_hashes(const HashUpdateOptions& options);

}  // namespace deepimage
