// The version-specific parts of rdf parsing: tensors (axes, sizes, halo, ops, test tensors).
// Everything shared between versions is in rdf.cpp.
#pragma once

#include "deepimage/model_spec.hpp"
#include "model/yaml_fields.hpp"

namespace deepimage::model {

void read_tensors_v05(const Fields& root, ModelSpec& spec);
void read_tensors_v04(const Fields& root, ModelSpec& spec);  // also 0.3

char axis_letter(const Fields& where, const std::string& id);  // "channel" -> 'c', "y" -> 'y'
std::vector<OpSpec> read_ops(const Fields& list, const char* id_key);

}  // namespace deepimage::model
