// Reading rdf.yaml fields with errors that name the field path and the expected form:
//   rdf.yaml: inputs[0].axes[2].size.step: expected a non-negative integer, got "abc"
//
// Free-form blocks (config, op kwargs) become JSON through as_json(). YAML aliases let a few lines
// stand for billions of nodes ("billion laughs"); yaml-cpp shares aliased nodes, but JSON copies
// them, so every Fields of one document shares a count of converted nodes, at most kMaxJsonNodes.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace deepimage::model {

inline constexpr std::int64_t kMaxJsonNodes = 100'000;

class Fields {
 public:
  Fields(YAML::Node node, std::string path, std::string source)
      : node_(std::move(node)), path_(std::move(path)), source_(std::move(source)),
        json_nodes_(std::make_shared<std::int64_t>(0)) {}

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  const std::string& source() const { return source_; }
  bool has(const std::string& key) const { return node_.IsMap() && node_[key] && !node_[key].IsNull(); }

  Fields at(const std::string& key) const;          // required member
  Fields at(std::size_t index) const;               // list element (the list must be that long)
  std::size_t size() const;                         // list length (0 when absent)
  bool is_list() const { return node_.IsSequence(); }
  bool is_map() const { return node_.IsMap(); }
  bool is_scalar() const { return node_.IsScalar(); }

  std::string text(const std::string& key, const std::string& fallback = "") const;  // optional scalar
  std::string required_text(const std::string& key) const;
  std::string as_text() const;
  // An integer >= min_value ("expected ..." otherwise) and <= max_value ("expected ... of at most N").
  std::int64_t as_int(std::int64_t min_value = INT64_MIN, const char* expected = "an integer",
                      std::int64_t max_value = INT64_MAX) const;
  double as_double() const;
  std::vector<std::string> texts(const std::string& key) const;  // optional list of scalars
  // A mapping as JSON (scalars become numbers, booleans or strings as YAML would read them);
  // throws bad_model naming this field when it is not a mapping or expands past kMaxJsonNodes.
  nlohmann::json as_json_object() const;

  [[noreturn]] void fail(const std::string& expected) const;  // "<source>: <path>: expected ..., got ..."
  [[noreturn]] void missing(const std::string& key) const;

 private:
  std::string child(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  Fields derived(YAML::Node node, std::string path) const;  // shares json_nodes_
  nlohmann::json to_json(const YAML::Node& node) const;

  YAML::Node node_;
  std::string path_, source_;
  std::shared_ptr<std::int64_t> json_nodes_;  // nodes converted by as_json_object in this document
};

}  // namespace deepimage::model
