// A legacy DeepImageJ bundle (config.xml, DeepImageJ 1.x) -> ModelSpec, so that such a folder or zip
// runs, tests and validates like a bioimage.io bundle.
//
//   Bundle b = Bundle::open_files("defcon/");          // no rdf: config.xml beside the weights
//   ModelSpec spec = parse_deepimagej_config(b.read_text("config.xml"), "defcon/config.xml", b);
//
// config.xml has <Model> with <ModelInformation> (Name, Author, URL, Credit, Version, Date, Reference),
// <ModelTest> (sizes, memory and run time of the example) and <ModelCharacteristics> (what running
// needs). DeepImageJ read every element below those three into one table by its tag name, so the
// mapping does too. What each tag becomes (docs/legacy-bundles.md has the table):
//   InputNames<i>/OutputNames<i>      tensor ids: the TF tensor names ("input"), the importers' feed/fetch
//   InputOrganization<i>, Output...   axes, N H W C D -> b y x c z ("NHWC" -> "byxc")
//   FixedPatch true                   y/x fixed at PatchSize
//   FixedPatch false                  y/x = MinimumSize * n (DeepImageJ's patch had to be a multiple of
//                                     MinimumSize); PatchSize, the tile DeepImageJ used, becomes the
//                                     default tile (config.deepimagej.patch_size)
//   Padding                           output halo along y/x (DeepImageJ overlapped patches by it and
//                                     dropped it from each side of every patch)
//   Channels                          the input's channel count
//   ModelTag, SignatureDefinition     config.deepimagej.model_tag / signature_definition
//   exampleImage.tif, resultImage.tif test and sample tensors of the first input and output
//   Pre/PostprocessingFile            ImageJ macros: never executed; one that is a common normalisation
//                                     becomes its bioimage.io op (legacy_macro.hpp), every one is listed
//                                     in config.deepimagej.macros with what was done with it
// Weights, by the files beside config.xml: saved_model.pb -> tensorflow_saved_model_bundle ".",
// tensorflow_saved_model_bundle.zip -> that entry, each *.h5 -> keras_hdf5.
//
// Errors are Error(bad_model), one line naming the file and the tag:
//   defcon/config.xml: <Padding>: expected a non-negative integer, got "ten"
#pragma once

#include <string>

#include "deepimage/model_spec.hpp"
#include "model/bundle.hpp"

namespace deepimage::model {

// The format_version a ModelSpec read from config.xml carries ("as written" has no number there).
inline constexpr const char* kDeepImageJConfigFormat = "deepimagej-config";

// `bundle` is read for the weights, the example images and the macros named by the config.
ModelSpec parse_deepimagej_config(const std::string& xml, const std::string& shown, const Bundle& bundle);

// Whether `spec` came from a config.xml.
bool is_deepimagej_config(const ModelSpec& spec);

}  // namespace deepimage::model
