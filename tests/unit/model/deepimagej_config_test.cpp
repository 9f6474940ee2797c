// Legacy DeepImageJ config.xml -> ModelSpec: the two real configs of ../shared/realdata (every mapped
// field against the values written in the file), malformed XML and missing or bad tags (one line naming
// the file and the tag), the weights found beside config.xml, and the ImageJ macros recognised.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <regex>

#include "deepimage/error.hpp"
#include "model/deepimagej_config.hpp"
#include "model/legacy_macro.hpp"
#include "model/model.hpp"
#include "model/spec_json.hpp"
#include "support/cli.hpp"
#include "support/zip_files.hpp"

namespace deepimage::model {
namespace {

namespace fs = std::filesystem;
using deepimage::testing::realdata;
using deepimage::testing::slurp;
using deepimage::testing::TempDir;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// A folder bundle of copies (a folder bundle refuses links that leave it).
void copy_in(const fs::path& from, const fs::path& to) {
  fs::create_directories(to.parent_path());
  fs::copy(from, to, fs::copy_options::recursive);
}

// DEFCoN's zoo config.xml with its example images and, as weights, the DEFCoN SavedModel of the
// DEFCoN-ImageJ repository (the zoo's own SavedModel is not in realdata; the weights are byte-identical,
// SOURCE.txt).
fs::path defcon_bundle(const fs::path& dir) {
  const fs::path b = dir / "defcon";
  for (const char* f : {"config.xml", "exampleImage.tif", "resultImage.tif", "README.md"})
    copy_in(realdata() / "deepimagej_defcon" / f, b / f);
  copy_in(realdata() / "defcon_imagej_savedmodel/tf_density_count", b);
  return b;
}

std::string defcon_xml() { return slurp(realdata() / "deepimagej_defcon/config.xml"); }

TEST(DeepImageJConfig, DefconMapsEveryFieldOfTheRealConfig) {
  TempDir dir;
  const fs::path folder = defcon_bundle(dir.path());
  const Model m = open_model(folder);
  EXPECT_EQ(m.bundle.rdf_name(), "config.xml");
  const ModelSpec& s = m.spec;
  EXPECT_TRUE(is_deepimagej_config(s));
  EXPECT_EQ(s.name, "DEFCoN density map estimation");
  ASSERT_EQ(s.authors.size(), 1u);
  EXPECT_EQ(s.authors[0].name, "Baptiste Ottino");
  EXPECT_EQ(s.git_repo, "https://github.com/LEB-EPFL/DEFCoN");
  EXPECT_EQ(s.documentation, "README.md");
  EXPECT_EQ(s.version, "n/a");
  EXPECT_EQ(s.timestamp, "2019");
  EXPECT_TRUE(s.cite.empty());  // <Reference></Reference>
  EXPECT_NE(s.description.find("Baptiste Ottino, Kyle M. Douglass and Suliana Manley"), std::string::npos) << s.description;

  ASSERT_EQ(s.inputs.size(), 1u);
  const TensorSpec& in = s.inputs[0];
  EXPECT_EQ(in.id, "input");
  EXPECT_EQ(in.axes_string(), "byxc");  // NHWC
  EXPECT_EQ(in.axis('b')->size.value, 1);
  EXPECT_EQ(in.axis('c')->size.value, 1);  // <Channels>1
  // <FixedPatch>false, <MinimumSize>1: any size that is a multiple of 1.
  EXPECT_EQ(in.axis('y')->size.kind, AxisSize::Kind::parameterized);
  EXPECT_EQ(in.axis('y')->size.min, 1);
  EXPECT_EQ(in.axis('x')->size.step, 1);
  EXPECT_EQ(in.test_tensor, "exampleImage.tif");
  EXPECT_EQ(in.sample_tensor, "exampleImage.tif");
  EXPECT_TRUE(in.preprocessing.empty());

  ASSERT_EQ(s.outputs.size(), 1u);
  const TensorSpec& out = s.outputs[0];
  EXPECT_EQ(out.id, "output");
  EXPECT_EQ(out.axes_string(), "byxc");
  EXPECT_EQ(out.axis('y')->halo, 10);  // <Padding>10
  EXPECT_EQ(out.axis('x')->halo, 10);
  EXPECT_EQ(out.axis('y')->size.kind, AxisSize::Kind::reference);
  EXPECT_EQ(out.axis('y')->size.ref_tensor, "input");
  EXPECT_EQ(out.axis('c')->halo, 0);
  EXPECT_EQ(out.test_tensor, "resultImage.tif");

  ASSERT_EQ(s.weights.size(), 1u);
  EXPECT_EQ(s.weights[0].format, "tensorflow_saved_model_bundle");
  EXPECT_EQ(s.weights[0].source, ".");

  const nlohmann::json config = config_of(s);
  const auto& dij = config["deepimagej"];
  EXPECT_EQ(dij["model_tag"], "tf.saved_model.tag_constants.SERVING");
  EXPECT_EQ(dij["signature_definition"], "tf.saved_model.signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY");
  EXPECT_EQ(dij["patch_size"], 88);
  EXPECT_EQ(dij["minimum_size"], 1);
  EXPECT_EQ(dij["padding"], 10);
  EXPECT_EQ(dij["fixed_patch"], false);
  // The zoo entry names two macros but does not ship them (SOURCE.txt): listed, not executed.
  ASSERT_EQ(dij["macros"].size(), 2u);
  EXPECT_EQ(dij["macros"][0]["file"], "preprocessing.txt");
  EXPECT_EQ(dij["macros"][0]["stage"], "preprocessing");
  EXPECT_EQ(dij["macros"][0]["mapped"], false);
  EXPECT_EQ(dij["macros"][0]["note"], "not in the bundle: not executed");
  EXPECT_EQ(dij["macros"][1]["file"], "postprocessing.txt");
}

TEST(DeepImageJConfig, PancreaticMapsEveryFieldOfTheRealConfig) {
  const fs::path folder = realdata() / "unet2d_pancreatic_keras_dij";
  const ModelSpec s = parse_deepimagej_config(slurp(folder / "config.xml"), "config.xml", Bundle::open_files(folder));
  EXPECT_EQ(s.name, "Pancreatic Cell Segmentation (U-Net)");
  ASSERT_EQ(s.authors.size(), 2u);  // "DeepImageJ, Ignacio Arganda-Carreras"
  EXPECT_EQ(s.authors[0].name, "DeepImageJ");
  EXPECT_EQ(s.authors[1].name, "Ignacio Arganda-Carreras");
  EXPECT_EQ(s.git_repo, "https://github.com/deepimagej/models/u-net_pancreatic_stem_polystyrene/U_Net_PhC-C2DL-PSC_segmentation.ipynb");
  EXPECT_EQ(s.version, "0.1");
  EXPECT_EQ(s.timestamp, "Jun 23, 2020");
  ASSERT_EQ(s.cite.size(), 3u);
  EXPECT_EQ(s.cite[0].text, "G\xC3\xB3mez-de-Mariscal E. et al., biorXiv 2019");
  EXPECT_EQ(s.cite[1].text, "Ulman V. et al., Nature Methods 2017");
  EXPECT_EQ(s.cite[2].text, "Ronneberger O. et al., MICCAI 2015");
  EXPECT_TRUE(s.cite[0].doi.empty());
  EXPECT_NE(s.description.find("Cell Tracking Challenge Data (PhC-C2DL-PSC)"), std::string::npos);

  const TensorSpec& in = s.inputs.at(0);
  EXPECT_EQ(in.id, "input");
  EXPECT_EQ(in.axes_string(), "byxc");
  EXPECT_EQ(in.axis('y')->size.min, 8);  // <MinimumSize>8
  EXPECT_EQ(in.axis('y')->size.step, 8);
  EXPECT_EQ(in.axis('x')->size.min, 8);
  EXPECT_EQ(s.outputs.at(0).id, "output");
  // <Padding>47, rounded up to the size step 8: tiles keep the phase of the U-Net's poolings.
  EXPECT_EQ(s.outputs.at(0).axis('x')->halo, 48);
  EXPECT_EQ(s.outputs.at(0).axis('y')->halo, 48);
  EXPECT_EQ(config_of(s)["deepimagej"]["padding"], 47);
  EXPECT_EQ(config_of(s)["deepimagej"]["patch_size"], 816);
  // No SavedModel here; the Keras file beside config.xml is the weights.
  ASSERT_EQ(s.weights.size(), 1u);
  EXPECT_EQ(s.weights[0].format, "keras_hdf5");
  EXPECT_EQ(s.weights[0].source, "unet_pancreatic_cell_segmentation.h5");
  EXPECT_EQ(s.outputs.at(0).test_tensor, "resultImage.tif");
}

TEST(DeepImageJConfig, AFolderWithAnRdfBesideConfigXmlKeepsTheRdf) {
  const Model m = open_model(realdata() / "unet2d_pancreatic_keras_dij");
  EXPECT_EQ(m.bundle.rdf_name(), "rdf.yaml");
  EXPECT_FALSE(is_deepimagej_config(m.spec));
  EXPECT_EQ(m.spec.name, "Pancreatic Cell Segmentation - U-Net");
}

TEST(DeepImageJConfig, ConfigXmlNamedDirectlyAndInAZipOpenTheBundle) {
  TempDir dir;
  const fs::path folder = defcon_bundle(dir.path());
  EXPECT_EQ(open_model(folder / "config.xml").spec.name, "DEFCoN density map estimation");
  deepimage::testing::make_zip(dir / "defcon.zip", {{"defcon/config.xml", defcon_xml()}, {"defcon/saved_model.pb", "pb"}});
  const Model zipped = open_model(dir / "defcon.zip");
  EXPECT_EQ(zipped.bundle.rdf_name(), "config.xml");
  EXPECT_EQ(zipped.spec.weights.at(0).source, ".");
}

TEST(DeepImageJConfig, SavedModelZipAndSeveralH5AreAllWeights) {
  TempDir dir;
  const fs::path b = dir / "b";
  fs::create_directories(b);
  std::ofstream(b / "tensorflow_saved_model_bundle.zip") << "zip";
  std::ofstream(b / "b.h5") << "h5";
  std::ofstream(b / "a.h5") << "h5";
  const ModelSpec s = parse_deepimagej_config(defcon_xml(), "b/config.xml", Bundle::open_files(b));
  ASSERT_EQ(s.weights.size(), 3u);
  EXPECT_EQ(s.weights[0].format, "tensorflow_saved_model_bundle");
  EXPECT_EQ(s.weights[0].source, "tensorflow_saved_model_bundle.zip");
  EXPECT_EQ(s.weights[1].source, "a.h5");
  EXPECT_EQ(s.weights[2].source, "b.h5");
  EXPECT_TRUE(s.inputs[0].test_tensor.empty());  // no exampleImage.tif

  const fs::path empty = dir / "empty";
  fs::create_directories(empty);
  EXPECT_EQ(error_of([&] { parse_deepimagej_config(defcon_xml(), "empty/config.xml", Bundle::open_files(empty)); }),
            "empty/config.xml: the bundle holds no weights beside config.xml (looked for saved_model.pb, "
            "tensorflow_saved_model_bundle.zip, *.h5)");
}

// One edit of DEFCoN's config: its message must be one line naming the file and the tag.
std::string error_with(const std::string& from, const std::string& to) {
  TempDir dir;
  std::ofstream(dir / "saved_model.pb") << "pb";
  std::string xml = defcon_xml();
  const auto at = xml.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  xml.replace(at, from.size(), to);
  const std::string e = error_of([&] { parse_deepimagej_config(xml, "m/config.xml", Bundle::open_files(dir.path())); });
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  return e;
}

TEST(DeepImageJConfig, MalformedXmlAndMissingOrBadTagsAreOneLineErrorsNamingFileAndTag) {
  EXPECT_EQ(error_with("<Padding>10</Padding>", ""), "m/config.xml: <Padding> is missing; it gives the overlap DeepImageJ gave each side of a patch");
  EXPECT_EQ(error_with("<Padding>10</Padding>", "<Padding>ten</Padding>"), "m/config.xml: <Padding>: expected a non-negative integer, got \"ten\"");
  EXPECT_EQ(error_with("<Padding>10</Padding>", "<Padding>44</Padding>"), "m/config.xml: <Padding>: expected less than half of <PatchSize> 88, got \"44\"");
  EXPECT_EQ(error_with("<PatchSize>88</PatchSize>", "<PatchSize>0</PatchSize>"), "m/config.xml: <PatchSize>: expected a positive integer, got \"0\"");
  EXPECT_EQ(error_with("<MinimumSize>1</MinimumSize>", "<MinimumSize>5</MinimumSize>"), "m/config.xml: <PatchSize>: expected a multiple of <MinimumSize> 5, got \"88\"");
  EXPECT_EQ(error_with("<FixedPatch>false</FixedPatch>", "<FixedPatch>maybe</FixedPatch>"), "m/config.xml: <FixedPatch>: expected true or false, got \"maybe\"");
  EXPECT_EQ(error_with("<InputOrganization0>NHWC</InputOrganization0>", "<InputOrganization0>NHWQ</InputOrganization0>"),
            "m/config.xml: <InputOrganization0>: expected letters N, H, W, C, D, each at most once (e.g. NHWC), got \"NHWQ\"");
  EXPECT_EQ(error_with("<OutputNames0>output</OutputNames0>", ""), "m/config.xml: <OutputNames0> is missing; it gives the TensorFlow name of output 0");
  EXPECT_EQ(error_with("<Name>DEFCoN density map estimation</Name>", ""), "m/config.xml: <Name> is missing; it gives the model's name");
  EXPECT_EQ(error_with("<NumberOfInputs>1</NumberOfInputs>", "<NumberOfInputs>-1</NumberOfInputs>"), "m/config.xml: <NumberOfInputs>: expected a positive integer, got \"-1\"");
  const std::string bad = error_with("</ModelCharacteristics>", "");
  EXPECT_TRUE(std::regex_match(bad, std::regex(R"(m/config\.xml: not well-formed XML at line \d+: XML_ERROR_\w+)"))) << bad;
  // tinyxml2 names the line where the unmatched <Modell> opens.
  EXPECT_EQ(error_with("<Model>", "<Modell>"), "m/config.xml: not well-formed XML at line 2: XML_ERROR_MISMATCHED_ELEMENT");
  TempDir dir;
  EXPECT_EQ(error_of([&] { parse_deepimagej_config("<Models/>", "m/config.xml", Bundle::open_files(dir.path())); }),
            "m/config.xml: the root element is <Models>; a DeepImageJ config.xml has <Model>");
}

TEST(DeepImageJConfig, FixedPatchFixesTheInputSize) {
  TempDir dir;
  std::ofstream(dir / "saved_model.pb") << "pb";
  std::string xml = defcon_xml();
  xml.replace(xml.find("<FixedPatch>false"), 17, "<FixedPatch>true");
  const ModelSpec s = parse_deepimagej_config(xml, "config.xml", Bundle::open_files(dir.path()));
  EXPECT_EQ(s.inputs[0].axis('y')->size.kind, AxisSize::Kind::fixed);
  EXPECT_EQ(s.inputs[0].axis('y')->size.value, 88);
  EXPECT_EQ(s.inputs[0].axis('x')->size.value, 88);
}

TEST(DeepImageJConfig, MacrosInTheBundleAreRecognisedOrListedAsNotExecuted) {
  TempDir dir;
  std::ofstream(dir / "saved_model.pb") << "pb";
  std::ofstream(dir / "preprocessing.txt") << "// scale to 0..1\nprint(\"scaling\");\nrun(\"32-bit\");\nrun(\"Divide...\", \"value=255\");\n";
  std::ofstream(dir / "postprocessing.txt") << "run(\"Gaussian Blur...\", \"sigma=2\");\n";
  const ModelSpec s = parse_deepimagej_config(defcon_xml(), "config.xml", Bundle::open_files(dir.path()));
  ASSERT_EQ(s.inputs[0].preprocessing.size(), 1u);
  EXPECT_EQ(s.inputs[0].preprocessing[0].id, "scale_linear");
  EXPECT_DOUBLE_EQ(kwargs_of(s.inputs[0].preprocessing[0])["gain"].get<double>(), 1.0 / 255);
  EXPECT_TRUE(s.outputs[0].postprocessing.empty());
  const nlohmann::json config = config_of(s);
  const auto& macros = config["deepimagej"]["macros"];
  EXPECT_EQ(macros[0]["mapped"], true);
  EXPECT_EQ(macros[1]["mapped"], false);
  EXPECT_EQ(macros[1]["note"], "an ImageJ macro deepimage does not recognise: not executed");
}

TEST(LegacyMacro, CommonNormalisationsMapToOpsAndTheRestIsNotExecuted) {
  // Division chosen by bit depth (DEFCoN's macro did this): no op depends on the input's type.
  const MacroMapping by_depth = recognise_macro(
      "if (bitDepth()==8) { run(\"32-bit\"); run(\"Divide...\", \"value=255\"); }\n"
      "else if (bitDepth()==16) { run(\"32-bit\"); run(\"Divide...\", \"value=65535\"); }\n"
      "run(\"Enhance Contrast\", \"saturated=0.35\");\n",
      MacroStage::preprocessing, "yx");
  EXPECT_TRUE(by_depth.ops.empty());
  EXPECT_EQ(by_depth.note, "depends on the image's bit depth (a bioimage.io op cannot): not executed");

  const MacroMapping divide = recognise_macro("/* to float */ run(\"32-bit\");\nrun(\"Divide...\", \"value=65535.000\");\n",
                                              MacroStage::preprocessing, "yx");
  ASSERT_EQ(divide.ops.size(), 1u);
  EXPECT_DOUBLE_EQ(kwargs_of(divide.ops[0])["gain"].get<double>(), 1.0 / 65535);

  const MacroMapping percentile = recognise_macro(
      "min_percentile = 1;\nmax_percentile = 99.8;\nmin_percentile = min_percentile/100;\n"
      "function percentile_normalization(lo, hi, bins) { getHistogram(values, counts, bins); }\n"
      "percentile_normalization(min_percentile, max_percentile, 256);\n",
      MacroStage::preprocessing, "yx");
  ASSERT_EQ(percentile.ops.size(), 1u);
  EXPECT_EQ(percentile.ops[0].id, "scale_range");
  EXPECT_EQ(kwargs_of(percentile.ops[0])["mode"], "per_sample");
  EXPECT_EQ(kwargs_of(percentile.ops[0])["axes"], "yx");
  EXPECT_DOUBLE_EQ(kwargs_of(percentile.ops[0])["min_percentile"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(kwargs_of(percentile.ops[0])["max_percentile"].get<double>(), 99.8);

  const MacroMapping threshold = recognise_macro("setThreshold(0.5, 1e30);\nrun(\"Convert to Mask\");\n", MacroStage::postprocessing, "yx");
  ASSERT_EQ(threshold.ops.size(), 1u);
  EXPECT_EQ(threshold.ops[0].id, "binarize");
  EXPECT_DOUBLE_EQ(kwargs_of(threshold.ops[0])["threshold"].get<double>(), 0.5);

  EXPECT_EQ(recognise_macro("print(\"done\");\nselectWindow(\"B&C\");\nrun(\"Close\");\n", MacroStage::postprocessing, "yx").note,
            "changes only the display: nothing to do");
  // A division in postprocessing is not a normalisation deepimage maps there.
  EXPECT_TRUE(recognise_macro("run(\"Divide...\", \"value=2\");", MacroStage::postprocessing, "yx").ops.empty());
}

}  // namespace
}  // namespace deepimage::model
