// rdf 0.4 (and 0.3) -> rdf 0.5, the mapping of bioimageio.spec's format update:
//
//   std::vector<std::string> notes;
//   std::string v05 = upgrade_rdf(v04_text, "rdf.yaml", notes);
//
//   name -> id; axes "bcyx" + shape + halo -> axes [{type: batch}, {type: channel, channel_names},
//     {type: space, id: y, size, halo}, ...] with size n | {min, step} (step 0: n) |
//     {tensor_id, axis_id, offset: 2 * offset} and scale 1 / factor (size = ref * ref scale / scale +
//     offset), a null factor an axis of 2 * offset, a channel axis the count it works out to;
//   data_type, data_range -> data {type, range} (infinite bounds: null);
//   test_inputs / test_outputs / sample_inputs / sample_outputs -> each tensor's test_tensor / sample_tensor;
//   op `name` -> `id`, kwargs to their 0.5 form: axes "yx" -> [y, x] (absent: every non-batch axis,
//     0.4's default), per-index lists of scale_linear / fixed normalisation -> `axis` (the non-batch
//     axis `axes` leaves out), zero_mean_unit_variance mode fixed -> fixed_zero_mean_unit_variance,
//     mode per_dataset -> batch among the reduced axes (a note says so), mode dropped;
//   weights: pytorch_script -> torchscript, the library version each format needs (a default when
//     absent, with a note), pytorch_state_dict architecture "file.py:Class" -> {source, callable},
//     dependencies "conda:env.yaml" -> {source}; authors as 0.3 strings -> {name};
//   attachments {files: [...]} -> [{source}]; cite doi "https://doi.org/10.x" -> "10.x";
//   fields 0.5 does not have are left out (a note lists them).
// Throws bad_model when the document is not an rdf this can convert (the parser's own errors first).
#pragma once

#include <string>
#include <vector>

namespace deepimage::model {

inline constexpr const char* kUpgradedFormatVersion = "0.5.4";

std::string upgrade_rdf(const std::string& yaml_text, const std::string& source_name, std::vector<std::string>& notes);

}  // namespace deepimage::model
