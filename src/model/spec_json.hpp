// The rdf's free-form blocks, op kwargs and `config`, are JSON text in the public ModelSpec, which
// keeps third-party types out of the installed headers (include/deepimage/model_spec.hpp). Inside
// deepimage they are read and written as nlohmann::json through these.
//
//   const nlohmann::json kwargs = kwargs_of(op);        // {} when the op has none
//   OpSpec clip = make_op("clip", {{"min", 0.0}});
//   if (config_of(spec).contains("deepimagej")) ...
#pragma once

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "deepimage/model_spec.hpp"

namespace deepimage {

// Empty text reads as an empty object: an op without kwargs, an rdf without config.
inline nlohmann::json json_block(const std::string& text) {
  return text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text);
}

inline nlohmann::json kwargs_of(const OpSpec& op) { return json_block(op.kwargs_json); }
inline void set_kwargs(OpSpec& op, const nlohmann::json& kwargs) { op.kwargs_json = kwargs.dump(); }
inline OpSpec make_op(std::string id, const nlohmann::json& kwargs = nlohmann::json::object()) {
  return OpSpec{.id = std::move(id), .kwargs_json = kwargs.dump()};
}

inline nlohmann::json config_of(const ModelSpec& spec) { return json_block(spec.config_json); }
inline void set_config(ModelSpec& spec, const nlohmann::json& config) { spec.config_json = config.dump(); }

}  // namespace deepimage
