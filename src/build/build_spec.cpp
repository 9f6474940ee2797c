#include "build/build_spec.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <set>

#include "build/license_ids.hpp"
#include "build/saved_model_zip.hpp"
#include "deepimage/error.hpp"
#include "engine/engine.hpp"
#include "model/rdf.hpp"
#include "model/spec_json.hpp"
#include "ops/op.hpp"

namespace deepimage::build {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kAxisLetters = "bitczyx";

[[noreturn]] void invalid(const std::string& message) { throw Error(ErrorCode::invalid_argument, message); }

void require_text(const std::string& value, const std::string& field, const std::string& expected) {
  if (value.find_first_not_of(" \t\n") == std::string::npos) invalid(field + " is missing; expected " + expected);
}

// 0.5 tensor ids are lower-case identifiers of at most 32 characters; channel names identifiers.
void check_identifier(const std::string& value, const std::string& field, bool lower_case) {
  bool ok = !value.empty() && value.size() <= 32 && !std::isdigit(static_cast<unsigned char>(value[0]));
  for (unsigned char c : value)
    ok = ok && (std::isdigit(c) || c == '_' || std::islower(c) || (!lower_case && std::isupper(c)));
  if (!ok)
    invalid(field + " \"" + value + "\" is not " + (lower_case ? "a lower-case identifier" : "an identifier") +
            "; expected at most 32 " + (lower_case ? "lower-case " : "") + "letters, digits and _, not starting with a digit, e.g. " +
            (lower_case ? "raw" : "nuclei"));
}

void check_axes(const std::string& axes, const std::string& field) {
  const std::string quoted = field + " \"" + axes + "\"";
  const std::string expected = "expected the network's tensor axes, one letter each of b (batch), i (index), t (time), "
                               "c (channel), z, y, x, e.g. bcyx or bczyx";
  if (axes.empty()) invalid(field + " is missing; " + expected);
  for (std::size_t i = 0; i < axes.size(); ++i) {
    if (kAxisLetters.find(axes[i]) == std::string_view::npos)
      invalid(quoted + " has \"" + std::string(1, axes[i]) + "\", which is not an axis; " + expected);
    if (axes.find(axes[i]) != i) invalid(quoted + " has \"" + std::string(1, axes[i]) + "\" twice; " + expected);
  }
  if (axes.find('c') == std::string::npos) invalid(quoted + " has no channel axis; " + expected);
  if (axes.find('y') == std::string::npos || axes.find('x') == std::string::npos)
    invalid(quoted + " lacks y or x; " + expected);
}

void check_ops(const std::vector<OpSpec>& ops, const std::string& axes, const std::string& field) {
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const std::string where = field + "[" + std::to_string(i) + "]";
    const auto& known = ops::builtin_ops();
    const auto found = std::find_if(known.begin(), known.end(), [&](const ops::OpDeclaration& d) {
      return d.id == ops[i].id || std::find(d.aliases.begin(), d.aliases.end(), ops[i].id) != d.aliases.end();
    });
    if (found == known.end()) {
      std::string ids;
      for (const auto& d : known) ids += (ids.empty() ? "" : ", ") + d.id;
      invalid(where + " \"" + ops[i].id + "\" is not a known op; expected one of " + ids);
    }
    const nlohmann::json kwargs = kwargs_of(ops[i]);
    if (!kwargs.is_object()) invalid(where + " \"" + ops[i].id + "\": kwargs are not a mapping; expected {name: value, ...}");
    // The kwargs an op reads are checked here (an op without statistics checks its own when the example runs).
    if (found->statistics) {
      try {
        found->statistics(kwargs, axes);
      } catch (const Error& e) {
        invalid(where + " \"" + ops[i].id + "\": " + e.what());
      }
    }
  }
}

void check_halo(const BuildTensor& output) {
  for (const auto& [axis, halo] : output.halo) {
    const std::string field = "output.halo." + std::string(1, axis);
    if (output.axes.find(axis) == std::string::npos || axis == 'b' || axis == 'c')
      invalid(field + ": \"" + std::string(1, axis) + "\" is not a spatial axis of output.axes \"" + output.axes +
              "\"; expected a halo per output axis such as y and x");
    if (halo < 0 || halo > kMaxHalo)
      invalid(field + " " + std::to_string(halo) + " is out of range; expected 0 to " + std::to_string(kMaxHalo) + " pixels per side");
  }
}

void check_sizes(const BuildRequest& r) {
  for (const auto& [axis, rule] : r.input.size) {
    const std::string field = "input.size." + std::string(1, axis);
    if (r.input.axes.find(axis) == std::string::npos || axis == 'b' || axis == 'c')
      invalid(field + ": \"" + std::string(1, axis) + "\" is not an axis of input.axes \"" + r.input.axes +
              "\" with a size rule; expected a rule per axis other than b and c");
    if (rule.kind == AxisSize::Kind::reference)
      invalid(field + " refers to another tensor; expected a fixed size (\"256\") or min/step (\"64/16\") for an input");
  }
  for (char axis : r.input.axes)
    if (axis != 'b' && axis != 'c' && !r.input.size.count(axis))
      invalid("input.size has no rule for \"" + std::string(1, axis) + "\"; expected one per axis of input.axes \"" +
              r.input.axes + "\" other than b and c, e.g. " + std::string(1, axis) + "=64/16 (min 64, step 16) or " +
              std::string(1, axis) + "=256 (fixed)");
  for (const auto& [axis, rule] : r.output.size) {
    const std::string field = "output.size." + std::string(1, axis);
    if (r.output.axes.find(axis) == std::string::npos || axis == 'b' || axis == 'c')
      invalid(field + ": \"" + std::string(1, axis) + "\" is not an axis of output.axes \"" + r.output.axes +
              "\" with a size rule; expected a rule per axis other than b and c");
    if (rule.kind == AxisSize::Kind::parameterized)
      invalid(field + " is min/step; expected a fixed size (\"64\") or the input's size (\"ref\", \"ref*2\", \"ref-16\") for an output");
    if (rule.kind == AxisSize::Kind::reference && r.input.axes.find(axis) == std::string::npos)
      invalid(field + " refers to the input's \"" + std::string(1, axis) + "\", which input.axes \"" + r.input.axes +
              "\" lacks; expected a fixed size");
  }
  for (char axis : r.output.axes)
    if (axis != 'b' && axis != 'c' && !r.output.size.count(axis) && r.input.axes.find(axis) == std::string::npos)
      invalid("output.size has no rule for \"" + std::string(1, axis) + "\", which the input lacks; expected a fixed size, e.g. " +
              std::string(1, axis) + "=16");
}

std::vector<std::string> channel_names(const BuildTensor& t, std::int64_t count) {
  if (!t.channel_names.empty()) return t.channel_names;
  if (count == 1) return {t.id};
  std::vector<std::string> names;
  for (std::int64_t i = 0; i < count; ++i) names.push_back(t.id + std::to_string(i));
  return names;
}

// An axis of `t` with its letter and type, and for c its channel names and count; the sizes of the
// other axes are the caller's (an input's rule, an output's reference).
AxisSpec built_axis(char letter, const BuildTensor& t, std::int64_t channel_count) {
  AxisSpec a;
  a.id = letter;
  a.type = model::axis_type_of(letter);
  if (letter == 'c') {
    a.channel_names = channel_names(t, channel_count);
    a.size.value = static_cast<std::int64_t>(a.channel_names.size());
  }
  return a;
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// Op ids as the 0.5 spec names them (0.4 aliases accepted in the request).
std::vector<OpSpec> canonical(std::vector<OpSpec> ops) {
  for (OpSpec& op : ops) op.id = ops::find_op(op.id).id;
  return ops;
}

}  // namespace

void check_request(const BuildRequest& r) {
  if (r.weights.empty()) invalid("weights is missing; expected a TorchScript (.pt), ONNX (.onnx) or Keras (.h5) file, or a TF1 SavedModel folder or .zip");
  if (r.example.empty()) invalid("example is missing; expected an image the model is run on (TIFF, .npy, PNG or JPEG)");
  if (r.output_path.empty()) invalid("bundle is missing (-o); expected the bundle to write: a .zip, or a folder");
  require_text(r.name, "name", "a short model name, e.g. \"Nuclei U-Net 2D\"");
  require_text(r.description, "description", "one or two sentences on what the model does");
  if (r.authors.empty()) invalid("authors is missing; expected at least one author (\"NAME; AFFILIATION; GITHUB USER\")");
  for (std::size_t i = 0; i < r.authors.size(); ++i)
    require_text(r.authors[i].name, "authors[" + std::to_string(i) + "].name", "the author's name");
  require_text(r.license, "license", "an SPDX license id such as " + license_examples());
  if (!is_known_license(r.license))
    invalid("license \"" + r.license + "\" is not an SPDX license id; expected one such as " + license_examples());
  if (r.cite.empty()) invalid("cite is missing; expected at least one citation with text and a doi or url");
  for (std::size_t i = 0; i < r.cite.size(); ++i) {
    const std::string field = "cite[" + std::to_string(i) + "]";
    require_text(r.cite[i].text, field + ".text", "the citation's text");
    if (r.cite[i].doi.empty() && r.cite[i].url.empty()) invalid(field + " has neither doi nor url; expected one of them");
  }
  if (!r.documentation.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(r.documentation, ec))
      throw Error(ErrorCode::not_found, "documentation \"" + r.documentation.string() + "\" is not a file; expected a Markdown file "
                                                                                       "(or none: a README.md is generated)");
    if (r.documentation.extension() != ".md")
      invalid("documentation \"" + r.documentation.string() + "\" is not Markdown; expected a .md file");
  }
  check_identifier(r.input.id, "input.id", true);
  check_identifier(r.output.id, "output.id", true);
  for (const BuildTensor* t : {&r.input, &r.output})
    for (std::size_t i = 0; i < t->channel_names.size(); ++i)
      check_identifier(t->channel_names[i], std::string(t == &r.input ? "input" : "output") + ".channel_names[" + std::to_string(i) + "]", false);
  if (r.input.id == r.output.id) invalid("output.id \"" + r.output.id + "\" is the input's id too; expected ids that differ");
  check_axes(r.input.axes, "input.axes");
  check_axes(r.output.axes, "output.axes");
  check_sizes(r);
  check_halo(r.output);
  if (!r.input.halo.empty()) invalid("input.halo is given; expected halos on the output only (output.halo)");
  check_ops(r.input.ops, r.input.axes, "input.preprocessing");
  check_ops(r.output.ops, r.output.axes, "output.postprocessing");
}

std::string weights_entry_name(const std::string& format) {
  if (format == "tensorflow_saved_model_bundle") return kSavedModelZip;
  return format == "onnx" ? "weights.onnx" : format == "keras_hdf5" ? "weights.h5" : "weights.pt";
}

std::string documentation_entry_name(const BuildRequest& r) {
  return r.documentation.empty() ? kReadme : r.documentation.filename().string();
}

ModelSpec build_spec(const BuildRequest& r, const WeightsFile& weights, std::int64_t input_channels) {
  ModelSpec spec;
  spec.format_version = "0.5.4";
  spec.name = r.name;
  spec.description = r.description;
  spec.authors = r.authors;
  spec.cite = r.cite;
  spec.license = r.license;
  spec.tags = r.tags;
  spec.documentation = documentation_entry_name(r);
  spec.covers = {kCover};
  spec.timestamp = utc_now();

  WeightsSpec w;
  w.format = weights.format;
  w.source = weights_entry_name(weights.format);
  w.version = r.weights_version.empty() ? weights.version : r.weights_version;
  if (w.version.empty() && w.format == "torchscript") {
    // The file does not say which PyTorch saved it; the LibTorch that produced the test outputs is the
    // version known to run it.
    const engine::EngineInfo* torch = engine::engine_for_format("torchscript");
    const std::string library = torch ? torch->library : "";
    w.version = library.rfind("LibTorch ", 0) == 0 ? library.substr(9) : "";
    if (w.version.empty()) invalid("weights_version is missing; expected the PyTorch version that saved the weights, e.g. 2.1.0");
  }
  if (w.version.empty() && w.format == "keras_hdf5")
    invalid("weights_version is missing; expected the TensorFlow version the Keras file was saved with, e.g. 1.15 "
            "(rdf 0.5 requires it; the file records only its Keras version)");
  if (w.version.empty() && w.format == "tensorflow_saved_model_bundle")
    invalid("weights_version is missing; expected the TensorFlow version that saved the SavedModel, e.g. 1.15 "
            "(rdf 0.5 requires it; this saved_model.pb records none)");
  spec.weights = {w};

  TensorSpec in;
  in.id = r.input.id;
  in.description = r.input.description;
  for (char letter : r.input.axes) {
    AxisSpec a = built_axis(letter, r.input, input_channels);
    if (letter != 'b' && letter != 'c') a.size = r.input.size.at(letter);
    in.axes.push_back(a);
  }
  in.preprocessing = canonical(r.input.ops);
  in.test_tensor = kTestInput;
  in.sample_tensor = kSampleInput;
  spec.inputs = {in};

  TensorSpec out;
  out.id = r.output.id;
  out.description = r.output.description;
  for (char letter : r.output.axes) {
    AxisSpec a = built_axis(letter, r.output, r.output.channel_names.empty() ? 1 : static_cast<std::int64_t>(r.output.channel_names.size()));
    if (letter != 'b' && letter != 'c') {
      const auto rule = r.output.size.find(letter);
      if (rule != r.output.size.end()) a.size = rule->second;
      else a.size.kind = AxisSize::Kind::reference;  // the input's size
      if (a.size.kind == AxisSize::Kind::reference) {
        a.size.ref_tensor = in.id;
        a.size.ref_axis = letter;
        a.scale = 1.0 / a.size.factor;  // 0.5 writes the factor as the ratio of the axes' scales
      }
      if (const auto halo = r.output.halo.find(letter); halo != r.output.halo.end()) a.halo = halo->second;
    }
    out.axes.push_back(a);
  }
  out.postprocessing = canonical(r.output.ops);
  out.data_type = DType::f32;
  for (const OpSpec& op : out.postprocessing)
    if (const nlohmann::json kwargs = kwargs_of(op); op.id == "ensure_dtype" && kwargs.contains("dtype") && kwargs["dtype"].is_string())
      out.data_type = dtype_from_string(kwargs["dtype"].get<std::string>());
  if (r.output.data_type) out.data_type = *r.output.data_type;
  out.test_tensor = kTestOutput;
  out.sample_tensor = kSampleOutput;
  spec.outputs = {out};
  return spec;
}

}  // namespace deepimage::build
