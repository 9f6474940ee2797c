// The working parts of validate_model (deepimage/validate.hpp): a problem list, a YAML node that knows
// its field path, and the checks, each adding every problem it finds instead of stopping at the first.
//
//   Problems problems(report);
//   RdfField root(YAML::Load(text), "");
//   check_metadata(root, version, bundle, problems);   // then check_tensors_v05 / _v04, check_weights
//
// Order of work (validate_model.cpp): the document walk first (every field, every named file, every
// sha256); when it found no error, the project's own parser reads the document (so whatever `run`
// would refuse is reported too) and the parsed ModelSpec drives the checks that need a whole model:
// op kwargs applied to a small tensor of the declared axes, test tensor shapes against size rules.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>

#include "deepimage/model_spec.hpp"
#include "deepimage/validate.hpp"
#include "model/bundle.hpp"

namespace deepimage::run {

class Problems {
 public:
  explicit Problems(ValidationReport& report) : report_(report) {}
  void error(std::string path, std::string message, std::string hint) {
    report_.errors.push_back({std::move(path), std::move(message), std::move(hint)});
  }
  void warning(std::string path, std::string message, std::string hint) {
    report_.warnings.push_back({std::move(path), std::move(message), std::move(hint)});
  }
  std::size_t error_count() const { return report_.errors.size(); }

 private:
  ValidationReport& report_;
};

// "\"abc\"", "a list of 3", "a mapping", "nothing": a value as a message quotes it.
std::string shown(const YAML::Node& node);

// A node of the rdf with the path that leads to it ("inputs[0].axes[2]").
class RdfField {
 public:
  RdfField(YAML::Node node, std::string path) : node_(std::move(node)), path_(std::move(path)) {}

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  std::string child_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  bool present() const { return node_ && !node_.IsNull(); }
  bool is_map() const { return node_.IsMap(); }
  bool is_list() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }
  bool has(const std::string& key) const { return node_.IsMap() && node_[key] && !node_[key].IsNull(); }
  // A member (absent members are not present()); a list item.
  RdfField operator[](const std::string& key) const;
  RdfField operator[](std::size_t index) const;
  std::size_t size() const { return node_.IsSequence() ? node_.size() : 0; }
  std::string text() const { return node_.IsScalar() ? node_.Scalar() : std::string(); }

  // Typed reads: nullopt when the value is not of that type (the caller reports it).
  std::optional<std::int64_t> integer() const;
  std::optional<double> number() const;
  bool boolean_true() const { return text() == "true" || text() == "True"; }

 private:
  YAML::Node node_;
  std::string path_;
};

// Required member `key` of `parent`: a problem when absent, else the member.
std::optional<RdfField> required(const RdfField& parent, const std::string& key, const std::string& hint,
                                 Problems& problems);
// A non-empty text at `field` (which must be present): a problem otherwise.
bool check_text(const RdfField& field, const std::string& hint, Problems& problems);

enum class RdfVersion { v03, v04, v05 };

// Metadata: type, name, description, license, authors, cite, documentation, covers, tags, config.
void check_metadata(const RdfField& root, RdfVersion version, const model::Bundle& bundle, Problems& problems);
// weights: entries, formats, sources, sha256, parents, versions; warnings for formats that do not run here.
void check_weights(const RdfField& root, RdfVersion version, const model::Bundle& bundle, Problems& problems);
// inputs and outputs (with their test/sample tensors) of each version.
void check_tensors_v05(const RdfField& root, const model::Bundle& bundle, Problems& problems);
void check_tensors_v04(const RdfField& root, RdfVersion version, const model::Bundle& bundle, Problems& problems);
// One op entry (`id_key` "id" in 0.5, "name" in 0.4): a known op, allowed in this list, kwargs it declares.
void check_op_entry(const RdfField& op, const char* id_key, bool is_preprocessing, RdfVersion version, Problems& problems);

// A file named by the rdf: inside the bundle, present; its sha256 (when `sha256` is present) must match.
// `sha256_path` is where a missing sha256 would go (a warning when `warn_missing_sha`). URLs are not
// fetched: a warning says so. `stale_sha_is_warning`: rdf 0.3, whose tools never checked hashes and
// whose published bundles carry stale ones (model/model.hpp's read_checked accepts them too).
void check_file(const RdfField& source, const model::Bundle& bundle, Problems& problems,
                const std::optional<RdfField>& sha256 = std::nullopt, const std::string& sha256_path = "",
                bool warn_missing_sha = false, bool stale_sha_is_warning = false);

// With the parsed model: op kwargs applied to a small tensor of each tensor's declared axes, and test
// tensors' shapes and dtypes against the declared sizes (`version` says where test files are named).
void check_ops_on_tensors(const ModelSpec& spec, Problems& problems);
void check_test_tensors(const ModelSpec& spec, RdfVersion version, const model::Bundle& bundle, Problems& problems);

}  // namespace deepimage::run
