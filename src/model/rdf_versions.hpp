// The version-specific parts of rdf parsing: tensors (axes, sizes, halo, ops, test tensors).
// Everything shared between versions is in rdf.cpp.
#pragma once

#include "deepimage/model_spec.hpp"
#include "model/yaml_fields.hpp"

namespace deepimage::model {

// The largest axis size, step or offset an rdf may declare (halos: kMaxHalo in model_spec.hpp). Real models use a few thousand at
// most; sizes are multiplied and padded downstream, where larger values overflow or ask for terabytes.
inline constexpr std::int64_t kMaxAxisSize = std::int64_t{1} << 20;  // 1048576

void read_tensors_v05(const Fields& root, ModelSpec& spec);
void read_tensors_v04(const Fields& root, ModelSpec& spec);  // also 0.3

char axis_letter(const Fields& where, const std::string& id);  // "channel" -> 'c', "y" -> 'y'
std::string axis_id_of(char letter);  // the inverse, the id 0.5 writes: 'c' -> "channel", 'y' -> "y"
std::vector<OpSpec> read_ops(const Fields& list, const char* id_key);

}  // namespace deepimage::model
