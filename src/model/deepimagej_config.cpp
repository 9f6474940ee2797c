#include "model/deepimagej_config.hpp"

#include <tinyxml2.h>

#include <algorithm>
#include <map>
#include <regex>

#include "core/utf8.hpp"
#include "deepimage/error.hpp"
#include "model/legacy_macro.hpp"
#include "model/rdf.hpp"
#include "model/spec_json.hpp"

namespace deepimage::model {
namespace {

// The sections DeepImageJ read; every element directly below one of them is a field, by tag name.
constexpr const char* kSections[] = {"ModelInformation", "ModelTest", "ModelCharacteristics"};

class ConfigFields {
 public:
  ConfigFields(const std::string& xml, std::string shown) : shown_(std::move(shown)) {
    tinyxml2::XMLDocument doc;
    if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS)
      throw Error(ErrorCode::bad_model, shown_ + ": not well-formed XML at line " + std::to_string(doc.ErrorLineNum()) +
                                            ": " + doc.ErrorName());
    const tinyxml2::XMLElement* root = doc.RootElement();
    if (!root || std::string(root->Name()) != "Model")
      throw Error(ErrorCode::bad_model, shown_ + ": the root element is <" + std::string(root ? root->Name() : "") +
                                            ">; a DeepImageJ config.xml has <Model>");
    for (const char* section : kSections)
      for (const auto* s = root->FirstChildElement(section); s; s = s->NextSiblingElement(section))
        for (const auto* e = s->FirstChildElement(); e; e = e->NextSiblingElement()) {
          std::string text = e->GetText() ? e->GetText() : "";
          // The values end up in JSON (the ModelSpec's config, --json reports), which must be UTF-8; a
          // byte of another encoding, or a character reference to a surrogate, would not be.
          if (const auto bad = invalid_utf8(text))
            throw Error(ErrorCode::bad_model, shown_ + ": <" + e->Name() + ">: not UTF-8 text (" + bad->to_string() +
                                                  " of its text)");
          const auto b = text.find_first_not_of(" \t\r\n"), last = text.find_last_not_of(" \t\r\n");
          fields_[e->Name()] = b == std::string::npos ? "" : text.substr(b, last - b + 1);
        }
  }

  const std::string& shown() const { return shown_; }
  std::string text(const std::string& tag) const {
    const auto it = fields_.find(tag);
    return it == fields_.end() ? std::string() : it->second;
  }
  bool has(const std::string& tag) const { return fields_.count(tag) != 0; }
  std::string required(const std::string& tag, const std::string& what) const {
    if (!has(tag) || text(tag).empty())
      throw Error(ErrorCode::bad_model, shown_ + ": <" + tag + "> is missing; it gives " + what);
    return text(tag);
  }
  [[noreturn]] void fail(const std::string& tag, const std::string& expected) const {
    throw Error(ErrorCode::bad_model, shown_ + ": <" + tag + ">: expected " + expected + ", got \"" + text(tag) + "\"");
  }
  std::int64_t integer(const std::string& tag, const std::string& what, std::int64_t min) const {
    const std::string t = required(tag, what);
    std::size_t used = 0;
    std::int64_t v = 0;
    try {
      v = std::stoll(t, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != t.size() || v < min)
      fail(tag, min > 0 ? "a positive integer" : "a non-negative integer");
    return v;
  }
  bool boolean(const std::string& tag, bool fallback) const {
    if (!has(tag)) return fallback;
    std::string t = text(tag);
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
    if (t == "true") return true;
    if (t == "false") return false;
    fail(tag, "true or false");
  }

 private:
  std::string shown_;
  std::map<std::string, std::string> fields_;
};

std::vector<std::string> split(const std::string& text, const std::string& separators) {
  std::vector<std::string> parts;
  std::string current;
  const auto flush = [&] {
    const auto b = current.find_first_not_of(" \t\r\n"), e = current.find_last_not_of(" \t\r\n");
    if (b != std::string::npos) parts.push_back(current.substr(b, e - b + 1));
    current.clear();
  };
  for (char c : text) {
    if (separators.find(c) != std::string::npos) flush();
    else current += c;
  }
  flush();
  return parts;
}

// "NHWC" -> "byxc": DeepImageJ's letters (TensorFlow's N H W C, and D for depth) as bioimage.io axes.
std::string axes_of(const ConfigFields& f, const std::string& tag) {
  const std::string organisation = f.required(tag, "the order of the tensor's dimensions, e.g. NHWC");
  std::string axes;
  for (char c : organisation) {
    const char up = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const char id = up == 'N' || up == 'B' ? 'b' : up == 'H' || up == 'Y' ? 'y' : up == 'W' || up == 'X' ? 'x'
                  : up == 'C' ? 'c' : up == 'D' || up == 'Z' ? 'z' : 0;
    if (!id || axes.find(id) != std::string::npos) f.fail(tag, "letters N, H, W, C, D, each at most once (e.g. NHWC)");
    axes += id;
  }
  if (axes.find('y') == std::string::npos || axes.find('x') == std::string::npos) f.fail(tag, "an organisation with H and W");
  return axes;
}

AxisSpec axis(char id) {
  AxisSpec a;
  a.id = id;
  a.type = axis_type_of(id);
  return a;
}

// The first of `names` the bundle holds, or empty.
std::string first_present(const Bundle& bundle, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (bundle.contains(n)) return n;
  return "";
}

std::vector<WeightsSpec> weights_of(const Bundle& bundle, const std::string& shown) {
  std::vector<WeightsSpec> weights;
  if (bundle.contains("saved_model.pb")) weights.push_back(WeightsSpec{.format = "tensorflow_saved_model_bundle", .source = "."});
  if (bundle.contains("tensorflow_saved_model_bundle.zip"))
    weights.push_back(WeightsSpec{.format = "tensorflow_saved_model_bundle", .source = "tensorflow_saved_model_bundle.zip"});
  std::vector<std::string> h5;
  for (const std::string& n : bundle.top_level_names())
    if (n.size() > 3 && n.compare(n.size() - 3, 3, ".h5") == 0) h5.push_back(n);
  std::sort(h5.begin(), h5.end());
  for (const std::string& n : h5) weights.push_back(WeightsSpec{.format = "keras_hdf5", .source = n});
  if (weights.empty())
    throw Error(ErrorCode::bad_model, shown + ": the bundle holds no weights beside config.xml (looked for saved_model.pb, "
                                              "tensorflow_saved_model_bundle.zip, *.h5)");
  return weights;
}

// The macro named by <tag>, mapped to ops when recognised; its entry for config.deepimagej.macros.
nlohmann::json macro_entry(const ConfigFields& f, const std::string& tag, const Bundle& bundle, MacroStage stage,
                           const std::string& spatial_axes, std::vector<OpSpec>& ops) {
  const std::string file = f.text(tag);
  nlohmann::json entry = {{"file", file},
                          {"stage", stage == MacroStage::preprocessing ? "preprocessing" : "postprocessing"}};
  if (!bundle.contains(file)) {
    entry["mapped"] = false;
    entry["note"] = "not in the bundle: not executed";
    return entry;
  }
  const MacroMapping m = recognise_macro(bundle.read_text(file), stage, spatial_axes);
  ops.insert(ops.end(), m.ops.begin(), m.ops.end());
  entry["mapped"] = !m.ops.empty();
  entry["note"] = m.note;
  return entry;
}

}  // namespace

ModelSpec parse_deepimagej_config(const std::string& xml, const std::string& shown, const Bundle& bundle) {
  const ConfigFields f(xml, shown);
  ModelSpec spec;
  spec.format_version = kDeepImageJConfigFormat;
  spec.name = f.required("Name", "the model's name");
  for (const std::string& a : split(f.text("Author"), ",;")) {
    Author author;
    author.name = a;
    spec.authors.push_back(author);
  }
  spec.version = f.text("Version");
  spec.timestamp = f.text("Date");
  spec.git_repo = f.text("URL");
  spec.documentation = bundle.contains("README.md") ? "README.md" : f.text("URL");
  spec.description = "Legacy DeepImageJ model (config.xml)";
  if (!f.text("Credit").empty()) spec.description += "; credit: " + f.text("Credit");
  static const std::regex doi(R"(10\.\d{4,9}/[^\s,;]+)");
  for (const std::string& ref : split(f.text("Reference"), ";")) {
    Citation c;
    c.text = ref;
    std::smatch m;
    if (std::regex_search(ref, m, doi)) c.doi = m.str();
    spec.cite.push_back(c);
  }
  spec.tags = {"deepimagej"};

  // How DeepImageJ cut images into patches.
  const bool fixed_patch = f.boolean("FixedPatch", true);  // DeepImageJ's own default when the tag is absent
  const std::int64_t patch = f.integer("PatchSize", "the patch (tile) size DeepImageJ used", 1);
  const std::int64_t padding = f.integer("Padding", "the overlap DeepImageJ gave each side of a patch", 0);
  const std::int64_t minimum = fixed_patch ? patch : f.integer("MinimumSize", "the size a patch must be a multiple of", 1);
  if (!fixed_patch && patch % minimum != 0)
    f.fail("PatchSize", "a multiple of <MinimumSize> " + std::to_string(minimum));
  if (2 * padding >= patch) f.fail("Padding", "less than half of <PatchSize> " + std::to_string(patch));
  if (padding > kMaxHalo) f.fail("Padding", "at most " + std::to_string(kMaxHalo));
  // The halo is Padding rounded up to a multiple of the size step, so that tiles keep the phase of the
  // network's poolings: the pancreatic U-Net (step 8) with its Padding of 47 as the halo flips 0.4 % of
  // its thresholded pixels against the untiled result, with 48 none (docs/legacy-bundles.md).
  std::int64_t halo = (padding + minimum - 1) / minimum * minimum;
  if (fixed_patch || 2 * halo >= patch) halo = padding;
  std::int64_t channels = 1;
  if (f.has("Channels")) channels = f.integer("Channels", "the input's channel count", 1);

  const std::int64_t inputs = f.integer("NumberOfInputs", "how many inputs the model has", 1);
  const std::int64_t outputs = f.integer("NumberOfOutputs", "how many outputs the model has", 1);
  for (std::int64_t i = 0; i < inputs; ++i) {
    const std::string n = std::to_string(i);
    TensorSpec t;
    t.id = f.required("InputNames" + n, "the TensorFlow name of input " + n);
    for (char id : axes_of(f, "InputOrganization" + n)) {
      AxisSpec a = axis(id);
      if (id == 'b') a.size = AxisSize::fixed_size(1);
      else if (id == 'c') a.size = AxisSize::fixed_size(channels);
      else if (fixed_patch || id == 'z') a.size = AxisSize::fixed_size(id == 'z' ? 1 : patch);
      else a.size = AxisSize::parameterized_size(minimum, minimum);
      t.axes.push_back(a);
    }
    spec.inputs.push_back(t);
  }
  for (std::int64_t i = 0; i < outputs; ++i) {
    const std::string n = std::to_string(i);
    TensorSpec t;
    t.id = f.required("OutputNames" + n, "the TensorFlow name of output " + n);
    const TensorSpec& in = spec.inputs.front();
    for (char id : axes_of(f, "OutputOrganization" + n)) {
      AxisSpec a = axis(id);
      // Output sizes follow the first input (DeepImageJ 1.x models were image-to-image); a channel
      // axis has the one channel DeepImageJ showed as its result image.
      if (id == 'c' || !in.axis(id)) a.size = AxisSize::fixed_size(1);
      else a.size = AxisSize::same_as(in.id, id);
      if (id == 'y' || id == 'x') a.halo = halo;
      t.axes.push_back(a);
    }
    spec.outputs.push_back(t);
  }

  spec.weights = weights_of(bundle, shown);

  const std::string example = first_present(bundle, {"exampleImage.tif", "exampleImage.tiff"});
  const std::string result = first_present(bundle, {"resultImage.tif", "resultImage.tiff"});
  spec.inputs.front().test_tensor = spec.inputs.front().sample_tensor = example;
  spec.outputs.front().test_tensor = spec.outputs.front().sample_tensor = result;
  if (!example.empty()) spec.covers.push_back(example);

  std::string spatial;
  for (const AxisSpec& a : spec.inputs.front().axes)
    if (a.type == AxisType::space) spatial += a.id;
  nlohmann::json macros = nlohmann::json::array();
  if (!f.text("PreprocessingFile").empty())
    macros.push_back(macro_entry(f, "PreprocessingFile", bundle, MacroStage::preprocessing, spatial,
                                 spec.inputs.front().preprocessing));
  if (!f.text("PostprocessingFile").empty())
    macros.push_back(macro_entry(f, "PostprocessingFile", bundle, MacroStage::postprocessing, spatial,
                                 spec.outputs.front().postprocessing));

  nlohmann::json config = config_of(spec);
  config["deepimagej"] = {{"config", "config.xml"},
                               {"model_tag", f.text("ModelTag")},
                               {"signature_definition", f.text("SignatureDefinition")},
                               {"fixed_patch", fixed_patch},
                               {"patch_size", patch},
                               {"minimum_size", minimum},
                               {"padding", padding},
                               {"macros", macros}};
  set_config(spec, config);
  return spec;
}

bool is_deepimagej_config(const ModelSpec& spec) { return spec.format_version == kDeepImageJConfigFormat; }

}  // namespace deepimage::model
