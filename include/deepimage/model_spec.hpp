// ModelSpec — one bioimage.io model description, in one form whatever the rdf format version.
//
//   auto [bundle, spec] = deepimage::model::open_model("unet2d_nuclei_broad/");   // see src/model
//   spec.inputs[0].axes_string() == "bcyx";
//   spec.outputs[0].axes[2].halo == 32;
//
// rdf 0.4 (and the older 0.3) is converted on load into this 0.5-shaped form, so nothing downstream
// knows which version it came from. Field meanings follow the bioimage.io spec; see src/model/rdf.hpp
// for the list of rdf fields we read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deepimage/dtype.hpp"

namespace deepimage {

enum class AxisType { batch, channel, index, time, space };

// Size rule of one axis.
//   fixed:         size == value
//   parameterized: size == min + n * step, n >= 0 (step 0 means fixed at min)
//   reference:     size == size(ref_tensor, ref_axis) * factor + offset
//                  (0.5: factor = ref axis scale / this axis scale; 0.4: factor = scale, offset = 2 * offset)
struct AxisSize {
  enum class Kind { fixed, parameterized, reference };
  Kind kind = Kind::fixed;
  std::int64_t value = 1;
  std::int64_t min = 1;
  std::int64_t step = 0;
  std::string ref_tensor;
  char ref_axis = 0;
  double factor = 1.0;
  double offset = 0.0;

  // Member by member rather than designated initializers, which g++ 12 warns about for every member
  // left to its default.
  static AxisSize fixed_size(std::int64_t value) {
    AxisSize s;
    s.kind = Kind::fixed, s.value = value;
    return s;
  }
  static AxisSize parameterized_size(std::int64_t min, std::int64_t step) {
    AxisSize s;
    s.kind = Kind::parameterized, s.min = min, s.step = step;
    return s;
  }
  // The size of axis `axis` of tensor `tensor`, one to one.
  static AxisSize same_as(const std::string& tensor, char axis) {
    AxisSize s;
    s.kind = Kind::reference, s.ref_tensor = tensor, s.ref_axis = axis;
    return s;
  }
};

// The largest halo accepted, from an rdf or a user. A halo covers a network's receptive field, a few
// hundred pixels at most; the planner needs tiles of at least 2 x halo + 1 pixels per axis, so a halo
// of 1000000 would ask for terabytes before anything could say why.
inline constexpr std::int64_t kMaxHalo = 4096;

struct AxisSpec {
  char id = 0;           // b c i t z y x (the 0.5 ids "batch", "channel", "index", "time" map to b c i t)
  AxisType type = AxisType::space;
  AxisSize size;
  std::int64_t halo = 0;  // per side, in this tensor's pixels (outputs; 0 for inputs)
  double scale = 1.0;     // physical scale (0.5)
  std::string unit;
  std::vector<std::string> channel_names;
  bool concatenable = false;
};

struct OpSpec {
  std::string id;            // bioimage.io id, 0.4 names normalised to 0.5 ("scale_linear", ...)
  // As written in the rdf (0.4 kwargs kept; ops accept both forms), as JSON text ("" or "{}": none);
  // src/model/spec_json.hpp reads it.
  std::string kwargs_json;
};

struct TensorSpec {
  std::string id;            // 0.5 "id", 0.4 "name"
  std::string description;
  std::vector<AxisSpec> axes;
  DType data_type = DType::f32;  // 0.5: from data.type (default float32); 0.4: data_type
  std::optional<std::pair<double, double>> data_range;
  std::vector<OpSpec> preprocessing;   // inputs
  std::vector<OpSpec> postprocessing;  // outputs
  std::string test_tensor;   // path inside the bundle, may be empty
  std::string test_tensor_sha256;  // 0.5 only; may be empty
  std::string sample_tensor; // path inside the bundle, may be empty
  std::string sample_tensor_sha256;  // 0.5 only; may be empty
  bool optional = false;     // 0.5 inputs: the model runs without it (the engine gets None)

  std::string axes_string() const;      // "bcyx"
  const AxisSpec* axis(char id) const;  // nullptr when absent
};

struct WeightsSpec {
  std::string format;       // torchscript, onnx, pytorch_state_dict, tensorflow_saved_model_bundle, keras_hdf5, tensorflow_js
  std::string source;       // path inside the bundle or a URL
  std::string sha256;       // lower-case hex, may be empty
  std::string parent;
  std::string version;      // pytorch_version / opset_version / tensorflow_version as written
};

struct Author {
  std::string name, affiliation, email, orcid, github_user;
};

struct Citation {
  std::string text, doi, url;
};

// A file of the bundle with its hash (0.5 `attachments`: files the rdf lists beside weights and tensors).
struct FileDescr {
  std::string source, sha256;
};

// One entry of config.bioimageio.reproducibility_tolerance (0.5); defaults are used when absent.
struct ReproducibilityTolerance {
  double relative = 1e-3;
  double absolute = 1e-3;
  double mismatched_per_million = 100;
  std::vector<std::string> output_ids;        // empty: all outputs
  std::vector<std::string> weights_formats;   // empty: all formats
};

// A StarDist model's outputs (the rdf's `config.stardist`, as stardist's bioimage.io export writes it):
// the first output's first channel is the object probability, the others distances to the object's
// boundary along rays; objects are star-convex polygons (objects.hpp ObjectRules::star_convex), with
// the thresholds the model was tuned with (its defaults where the rdf gives none).
struct StarConvexSpec {
  double probability_threshold = 0.5;  // config.stardist.thresholds.prob
  double nms_threshold = 0.4;          // config.stardist.thresholds.nms
  std::string version;                 // config.stardist.stardist_version
};

struct ModelSpec {
  std::string format_version;  // as written ("0.5.4", "0.4.9", "0.3.0")
  std::string id;               // bioimage.io id ("affable-shark"); empty when the rdf has none
  std::string name, description, license, documentation, version, git_repo, timestamp;
  std::vector<Author> authors, maintainers;
  std::vector<Citation> cite;
  std::vector<std::string> tags, covers;
  std::vector<FileDescr> attachments;  // 0.5 only
  std::vector<TensorSpec> inputs, outputs;
  std::vector<WeightsSpec> weights;
  std::vector<ReproducibilityTolerance> tolerances;
  std::string config_json;  // the rdf's free-form `config` block as JSON text; "" when it has none
  std::optional<StarConvexSpec> star_convex;  // read from config.stardist

  const TensorSpec* input(const std::string& tensor_id) const;
  const TensorSpec* output(const std::string& tensor_id) const;
  const WeightsSpec* weights_for(const std::string& format) const;
  // The tolerance that applies to `output_id` run with `weights_format`.
  ReproducibilityTolerance tolerance_for(const std::string& output_id, const std::string& weights_format) const;
};

}  // namespace deepimage
