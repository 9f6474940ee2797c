// Reading rdf.yaml fields with errors that name the field path and the expected form:
//   rdf.yaml: inputs[0].axes[2].size.step: expected a non-negative integer, got "abc"
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace deepimage::model {

class Fields {
 public:
  Fields(YAML::Node node, std::string path, std::string source) : node_(std::move(node)), path_(std::move(path)), source_(std::move(source)) {}

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  const std::string& source() const { return source_; }
  bool has(const std::string& key) const { return node_.IsMap() && node_[key] && !node_[key].IsNull(); }

  Fields at(const std::string& key) const;          // required member
  Fields at(std::size_t index) const;               // list element
  std::size_t size() const;                         // list length (0 when absent)
  bool is_list() const { return node_.IsSequence(); }
  bool is_map() const { return node_.IsMap(); }
  bool is_scalar() const { return node_.IsScalar(); }

  std::string text(const std::string& key, const std::string& fallback = "") const;  // optional scalar
  std::string required_text(const std::string& key) const;
  std::string as_text() const;
  std::int64_t as_int(std::int64_t min_value = INT64_MIN, const char* expected = "an integer") const;
  double as_double() const;
  std::vector<std::string> texts(const std::string& key) const;  // optional list of scalars

  [[noreturn]] void fail(const std::string& expected) const;  // "<source>: <path>: expected ..., got ..."
  [[noreturn]] void missing(const std::string& key) const;

 private:
  std::string child(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  YAML::Node node_;
  std::string path_, source_;
};

// The node as JSON (scalars become numbers, booleans or strings as YAML would read them).
nlohmann::json to_json(const YAML::Node& node);

}  // namespace deepimage::model
