// Bad model descriptions: rdf.yaml files that are not YAML, cut short or hold values that once crashed
// or ran away; legacy DeepImageJ config.xml files that are not XML; bundles that are not bundles.
#include "bad_inputs/catalogue.hpp"

namespace deepimage::testing {

namespace fs = std::filesystem;

namespace {

// `run` on the example model with `from` replaced by `to` in its rdf.yaml.
Entry rdf_edit(std::string name, std::string input, std::string from, std::string to, std::vector<std::string> message) {
  return {.name = std::move(name),
          .input = std::move(input),
          .make = [from, to](const Dirs& d) { return run_args(d, example_model_with(d.in / "model", from, to), example_image()); },
          .message = std::move(message)};
}

// `run` on a copy of the example model whose rdf.yaml is `yaml`.
Entry rdf_text(std::string name, std::string input, std::function<std::string()> yaml, std::vector<std::string> message) {
  return {.name = std::move(name),
          .input = std::move(input),
          .make = [yaml](const Dirs& d) {
            copy_tree(example_model(), d.in / "model");
            write_file(d.in / "model" / "rdf.yaml", yaml());
            return run_args(d, d.in / "model", example_image());
          },
          .message = std::move(message)};
}

// A legacy DeepImageJ bundle (DEFCoN's config.xml and SavedModel) with config.xml replaced.
fs::path legacy_bundle_with_config(const fs::path& to, const std::string& config) {
  copy_tree(realdata() / "defcon_imagej_savedmodel/tf_density_count", to);
  write_file(to / "config.xml", config);
  return to;
}

std::string alias_bomb() {
  // Nine levels of ten references each: 10^9 values from 500 bytes, if expanded.
  std::string bomb = "config:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level < 9; ++level) {
    const std::string prev = "*l" + std::to_string(level - 1);
    bomb += "  l" + std::to_string(level) + ": &l" + std::to_string(level) + " [" + prev;
    for (int k = 1; k < 10; ++k) bomb += ", " + prev;
    bomb += "]\n";
  }
  return bomb + "  more:\n";
}

}  // namespace

std::vector<Entry> model_file_entries() {
  return {
      // --- not a bundle ---
      {.name = "missing_model",
       .input = "a model path that does not exist",
       .make = [](const Dirs& d) { return run_args(d, d.in / "no_such_model", example_image()); },
       .message = {"model \"IN/no_such_model\" does not exist"}},
      {.name = "model_is_a_text_file",
       .input = "a model path that is a text file",
       .make = [](const Dirs& d) {
         write_file(d.in / "model.txt", "not a model\n");
         return run_args(d, d.in / "model.txt", example_image());
       },
       .message = {"model \"IN/model.txt\" is not a folder, a .zip or an rdf .yaml file"}},
      {.name = "model_folder_without_rdf",
       .input = "a model folder with weights but no rdf.yaml",
       .make = [](const Dirs& d) {
         fs::create_directories(d.in / "model");
         fs::copy_file(example_model() / "weights.pt", d.in / "model" / "weights.pt");
         return run_args(d, d.in / "model", example_image());
       },
       .message = {"\"IN/model\" holds no model description (looked for rdf.yaml"}},

      // --- rdf.yaml ---
      rdf_text("rdf_binary_noise", "an rdf.yaml of binary noise", [] { return std::string("\x01\x02\xff\xfe\x00\x7f", 6); },
               {"IN/model/rdf.yaml: not UTF-8 text: invalid byte 0xFF at line 1, column 3"}),
      rdf_text("rdf_yaml_syntax_error", "an rdf.yaml with an unclosed bracket",
               [] { return "format_version: 0.5.4\ntype: model\ninputs: [{id: raw\n"; }, {"IN/model/rdf.yaml: not valid YAML at line 4, column 1: end of map flow not found"}),
      rdf_text("rdf_truncated", "the example rdf.yaml cut in the middle of its inputs",
               [] { return head_of(example_model() / "rdf.yaml", 0.5); },
               {"IN/model/rdf.yaml: outputs: required field is missing"}),
      rdf_text("rdf_not_a_mapping", "an rdf.yaml that is a list, not a mapping", [] { return "- 1\n- 2\n"; },
               {"IN/model/rdf.yaml: top level: expected a mapping of rdf fields, got a list of 2"}),
      rdf_edit("rdf_unknown_format_version", "an rdf.yaml of format_version 9.9.9", "format_version: 0.5.4", "format_version: 9.9.9",
               {"IN/model/rdf.yaml: format_version \"9.9.9\" is not supported (supported: 0.5.x, 0.4.x, 0.3.x)"}),
      rdf_text("rdf_inputs_not_a_list", "an rdf.yaml whose inputs is a number",
               [] { return "format_version: 0.5.4\ntype: model\nname: broken\ninputs: 7\noutputs: []\nweights: {}\n"; },
               {"IN/model/rdf.yaml: inputs: expected a list, got \"7\""}),
      rdf_edit("rdf_size_min_4e18", "an rdf.yaml input size min of 4e18", "size: {min: 88, step: 8}", "size: {min: 4e18, step: 8}",
               {"IN/model/rdf.yaml: inputs[0].axes[2].size.min: expected a positive integer of at most 1048576, got \"4e18\""}),
      rdf_edit("rdf_halo_1000000", "an rdf.yaml output halo of 1000000", "halo: 40", "halo: 1000000",
               {"IN/model/rdf.yaml: outputs[0].axes[2].halo: expected a non-negative integer of at most 4096, got \"1000000\""}),
      rdf_edit("rdf_scale_0", "an rdf.yaml output axis scale of 0", "halo: 40\n", "halo: 40\n        scale: 0\n",
               {"IN/model/rdf.yaml: outputs[0].axes[2].scale: expected a positive number, got \"0\""}),
      rdf_edit("rdf_empty_data_list", "an rdf.yaml input data of an empty list",
               "data:\n      type: float32\n    test_tensor:\n      source: test_input.npy", "data: []\n    test_tensor:\n      source: test_input.npy",
               {"IN/model/rdf.yaml: inputs[0].data: expected a list of at least 1 entry, got an empty list"}),
      rdf_edit("rdf_yaml_alias_bomb", "an rdf.yaml of 500 bytes whose aliases expand to 10^9 values", "config:\n", alias_bomb(),
               {"IN/model/rdf.yaml: config: expands to more than 100000 values"}),
      {.name = "rdf_only_unsupported_weights",
       .input = "an rdf.yaml whose only weights are pytorch_state_dict (needs Python)",
       .make = [](const Dirs& d) {
         copy_tree(realdata() / "tiktorch_dummy_tf_savedmodel", d.in / "model");
         std::string rdf = slurp(d.in / "model" / "rdf.yaml");
         const std::string entry = "  tensorflow_saved_model_bundle: {";
         rdf.replace(rdf.find(entry), entry.size(),
                     "  pytorch_state_dict: {architecture: 'model.py:Net', architecture_sha256: " + std::string(64, '0') + ", ");
         write_file(d.in / "model" / "rdf.yaml", rdf);
         return run_args(d, d.in / "model" / "rdf.yaml", example_image());
       },
       .message = {"none of the model's weights can run here: it has pytorch_state_dict;",
                   "(pytorch_state_dict needs Python and is not supported by design)"},
       .needs_realdata = true},

      // --- legacy config.xml ---
      {.name = "config_xml_not_xml",
       .input = "`info` of a DeepImageJ bundle whose config.xml is not XML",
       .make = [](const Dirs& d) {
         return std::vector<std::string>{"info", legacy_bundle_with_config(d.in / "legacy", "this is not XML {").string()};
       },
       .message = {"IN/legacy/config.xml: not well-formed XML at line 1"},
       .needs_realdata = true},
      {.name = "config_xml_truncated",
       .input = "`info` of a DeepImageJ bundle whose config.xml is cut in half",
       .make = [](const Dirs& d) {
         return std::vector<std::string>{
             "info", legacy_bundle_with_config(d.in / "legacy", head_of(realdata() / "deepimagej_defcon/config.xml", 0.5)).string()};
       },
       .message = {"IN/legacy/config.xml: not well-formed XML at line 21"},
       .needs_realdata = true},

      // --- files the rdf names ---
      {.name = "test_tensor_sha256_mismatch",
       .input = "`test` of a model whose test_output.npy does not match its sha256",
       .make = [](const Dirs& d) {
         copy_tree(example_model(), d.in / "model");
         std::ofstream(d.in / "model" / "test_output.npy", std::ios::app) << "x";
         return std::vector<std::string>{"test", (d.in / "model").string()};
       },
       .message = {"test_output.npy: sha256 mismatch (expected 3f718ed31cda8d83444eb2e137e45e521441acbe7a572f327b4f30cd569fef70, got "}},
      {.name = "test_tensor_truncated",
       .input = "`test` of a model whose test_input.npy is cut in half (and its sha256 updated)",
       .make = [](const Dirs& d) {
         const auto model = bundle_with(example_model(), d.in / "model", "rdf.yaml",
                                        {{"test_input.npy", head_of(example_model() / "test_input.npy", 0.5)}});
         return std::vector<std::string>{"test", model.string()};
       },
       .message = {"\"test_input.npy\" is not a valid .npy file: the data is truncated: shape (1, 1, 256, 256) needs 65536 float32 "
                   "values (262144 bytes) but 131008 bytes follow the header"}},
      {.name = "weights_link_outside_the_bundle",
       .input = "a model folder whose weights.pt is a symbolic link to a file outside it",
       .make = [](const Dirs& d) {
         copy_tree(example_model(), d.in / "model");
         fs::rename(d.in / "model" / "weights.pt", d.in / "elsewhere.pt");
         fs::create_symlink(d.in / "elsewhere.pt", d.in / "model" / "weights.pt");
         return run_args(d, d.in / "model", example_image(), {"--weights", "torchscript"});
       },
       .message = {"\"IN/model/weights.pt\" is a link to \"", "outside the model folder"}},
  };
}

INSTANTIATE_TEST_SUITE_P(ModelFiles, Catalogue, ::testing::ValuesIn(model_file_entries()), entry_name);

}  // namespace deepimage::testing
