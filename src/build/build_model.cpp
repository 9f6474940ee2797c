// build_model: check the request, run the network on the example through the run pipeline, write
// the bundle into a staging folder, test it, and only then put it in place.
#include <fstream>
#include <optional>
#include <sstream>

#include "build/build_spec.hpp"
#include "build/cover.hpp"
#include "build/graph_tensors.hpp"
#include "build/saved_model_zip.hpp"
#include "build/readme.hpp"
#include "build/staged_bundle.hpp"
#include "build/weights_file.hpp"
#include "deepimage/build.hpp"
#include "deepimage/error.hpp"
#include "io/image.hpp"
#include "io/npy.hpp"
#include "model/bundle.hpp"
#include "model/model.hpp"
#include "model/rdf_write.hpp"
#include "run/axis_mapping.hpp"
#include "run/predictor.hpp"
#ifdef DEEPIMAGE_WITH_PNG_JPEG
#include "io/png_jpeg.hpp"
#endif

namespace deepimage {
namespace {

namespace fs = std::filesystem;

std::string bytes_text(const std::vector<std::byte>& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::string rule_text(const AxisSize& s) {
  std::ostringstream t;
  if (s.kind == AxisSize::Kind::fixed) t << s.value;
  else if (s.kind == AxisSize::Kind::parameterized) t << s.min << "/" << s.step;
  else {
    t << "ref";
    if (s.factor != 1) t << "*" << s.factor;
    if (s.offset != 0) t << (s.offset > 0 ? "+" : "") << s.offset;
  }
  return t.str();
}

// The example must be a size the input accepts: `test` feeds it to the network as it is.
void check_example_size(const Tensor& example, const BuildRequest& r) {
  for (const char axis : r.input.axes) {  // in the tensor's order, so the first axis named is the first wrong
    if (!r.input.size.count(axis)) continue;
    const AxisSize& rule = r.input.size.at(axis);
    const std::int64_t n = example.size(axis);
    const std::string where = "example \"" + r.example.string() + "\" is " + std::to_string(n) + " pixels along \"" +
                              std::string(1, axis) + "\", which input.size." + std::string(1, axis) + " \"" + rule_text(rule) +
                              "\" does not allow; expected ";
    if (rule.kind == AxisSize::Kind::fixed && n != rule.value)
      throw Error(ErrorCode::invalid_argument, where + "exactly " + std::to_string(rule.value) + " (crop or pad the example)");
    if (rule.kind == AxisSize::Kind::parameterized) {
      if (rule.step == 0 ? n != rule.min : (n < rule.min || (n - rule.min) % rule.step != 0)) {
        const std::int64_t below = rule.step == 0 || n < rule.min ? rule.min : n - (n - rule.min) % rule.step;
        const std::int64_t above = rule.step == 0 || n < rule.min ? rule.min : below + rule.step;
        throw Error(ErrorCode::invalid_argument, where + std::to_string(rule.min) + " + n * " + std::to_string(rule.step) +
                                                     " (nearest: " + (below == above || n < rule.min ? std::to_string(above) : std::to_string(below) + " or " + std::to_string(above)) +
                                                     "; crop or pad the example)");
      }
    }
  }
}

// The network's output against output.axes and output.size; sets the channel count it gave.
void check_output(const Tensor& out, const Tensor& in, const BuildRequest& r, TensorSpec& spec) {
  if (out.rank() != spec.axes.size())
    throw Error(ErrorCode::invalid_argument, "the network's output has shape " + shape_to_string(out.shape()) + " but output.axes \"" +
                                                 r.output.axes + "\" has " + std::to_string(r.output.axes.size()) +
                                                 " axes; expected one letter per dimension of the output");
  for (std::size_t i = 0; i < spec.axes.size(); ++i) {
    AxisSpec& a = spec.axes[i];
    const std::int64_t n = out.shape()[i];
    const std::string letter(1, a.id);
    if (a.type == AxisType::channel) {
      if (!r.output.channel_names.empty() && static_cast<std::int64_t>(r.output.channel_names.size()) != n)
        throw Error(ErrorCode::invalid_argument, "output.channel_names has " + std::to_string(r.output.channel_names.size()) +
                                                     " names but the network gives " + std::to_string(n) + " channels; expected " +
                                                     std::to_string(n) + " names");
      if (r.output.channel_names.empty()) {
        a.channel_names.clear();
        if (n == 1) a.channel_names.push_back(spec.id);
        else
          for (std::int64_t k = 0; k < n; ++k) a.channel_names.push_back(spec.id + std::to_string(k));
      }
      a.size.value = n;
      continue;
    }
    if (a.type == AxisType::batch) continue;
    std::int64_t expected = a.size.value;
    if (a.size.kind == AxisSize::Kind::reference)
      expected = static_cast<std::int64_t>(std::llround(static_cast<double>(in.size(a.id)) * a.size.factor + a.size.offset));
    if (n != expected)
      throw Error(ErrorCode::invalid_argument, "the network's output is " + std::to_string(n) + " pixels along \"" + letter +
                                                   "\" for an input of " + shape_to_string(in.shape()) + ", but output.size." + letter +
                                                   " \"" + rule_text(a.size) + "\" makes it " + std::to_string(expected) +
                                                   "; expected a rule that gives " + std::to_string(n));
  }
}

// The example in the input's axes, and the same pixels in the example file's own axes.
struct Example {
  Tensor model_axes;
  io::Image image;
};

Example read_example(const BuildRequest& r, const TensorSpec& input_axes_only) {
  std::error_code ec;
  if (!fs::is_regular_file(r.example, ec))
    throw Error(ErrorCode::not_found, "example \"" + r.example.string() + "\" is not a file; expected an image (TIFF, .npy, PNG or JPEG)");
  Example e;
  e.image = io::read_image(r.example);
  Tensor& pixels = e.image.pixels;
  if (!r.example_axes.empty()) run::override_axes(pixels, r.example_axes, r.example.string());
  else if (pixels.axes().empty()) pixels.set_axes(run::infer_axes(pixels.shape(), input_axes_only));
  e.model_axes = run::to_model_axes(pixels, input_axes_only, r.example.string());
  return e;
}

}  // namespace

BuildReport build_model(const BuildRequest& request) {
  BuildRequest r = request;
  // Ids and axes the graph declares fill what the request leaves out, before anything is checked.
  std::optional<build::WeightsFile> inspected;
  if (!r.weights.empty()) {
    inspected = build::inspect_weights(r.weights, r.weights_format);
    build::fill_from_graph(r, *inspected);
  }
  if (r.input.id.empty()) r.input.id = "input";
  if (r.output.id.empty()) r.output.id = "output";
  build::check_request(r);
  const build::WeightsFile weights = *inspected;
  build::StagedBundle bundle(r.output_path, r.overwrite);  // refuses an existing bundle before any work

  // The example's channel count decides the input's, unless names were given.
  TensorSpec axes_only;
  axes_only.id = r.input.id;
  for (char letter : r.input.axes) {
    AxisSpec a;
    a.id = letter;
    a.type = letter == 'c' ? AxisType::channel : letter == 'b' ? AxisType::batch : AxisType::space;
    // A channel count not fixed by names is the image's (to_model_axes checks only fixed ones).
    if (letter != 'b' && (letter != 'c' || r.input.channel_names.empty())) a.size.kind = AxisSize::Kind::parameterized;
    if (letter == 'c') a.size.value = static_cast<std::int64_t>(r.input.channel_names.size());
    axes_only.axes.push_back(a);
  }
  Example example = read_example(r, axes_only);
  check_example_size(example.model_axes, r);
  const std::int64_t channels = example.model_axes.size('c');
  if (!r.input.channel_names.empty() && static_cast<std::int64_t>(r.input.channel_names.size()) != channels)
    throw Error(ErrorCode::invalid_argument, "input.channel_names has " + std::to_string(r.input.channel_names.size()) +
                                                 " names but example \"" + r.example.string() + "\" has " + std::to_string(channels) +
                                                 " channels; expected " + std::to_string(channels) + " names");

  ModelSpec spec = build::build_spec(r, weights, channels);
  // The runner converts an input to its data type after preprocessing (predictor.cpp), so the type is
  // the one the network takes: float32 unless asked otherwise. The sample TIFF keeps the example's.
  spec.inputs[0].data_type = r.input.data_type ? *r.input.data_type : DType::f32;
  const Tensor test_input = example.model_axes.converted(spec.inputs[0].data_type);

  const std::string weights_name = spec.weights[0].source;
  if (weights.format == "tensorflow_saved_model_bundle") build::write_saved_model_zip(weights.location, bundle.folder() / weights_name);
  else bundle.copy_in(weights_name, r.weights);
  bundle.write("rdf.yaml", model::write_rdf_v05(spec));

  // The network on the example, as `test` will run it: the engine on the whole input, with the
  // declared pre- and postprocessing.
  Tensor output;
  {
    const model::Model draft = model::open_model(bundle.folder());
    run::Predictor predictor(draft, draft.spec.weights.at(0), {.threads = r.threads});
    run::TilingOptions whole;
    whole.whole = true;
    output = predictor.predict({test_input}, whole).at(0);
  }
  check_output(output, test_input, r, spec.outputs[0]);
  output.set_axes(spec.outputs[0].axes_string());

  BuildReport report;
  report.example_shape = test_input.shape();
  report.output_shape = output.shape();
  // Every file with its sha256, for the rdf and the report.
  const auto hashed = [&](const std::string& name, const std::string& bytes) {
    const auto* begin = reinterpret_cast<const std::byte*>(bytes.data());
    report.files.push_back({name, model::sha256_hex(std::vector<std::byte>(begin, begin + bytes.size()))});
    return report.files.back().second;
  };
  const auto add = [&](const std::string& name, const std::string& bytes) {
    bundle.write(name, bytes);
    return hashed(name, bytes);
  };
  const auto add_file = [&](const std::string& name) {
    std::ifstream in(bundle.folder() / name, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    return hashed(name, content.str());
  };
  spec.weights[0].sha256 = add_file(weights_name);
  spec.inputs[0].test_tensor_sha256 = add(build::kTestInput, bytes_text(io::npy_bytes(test_input)));
  spec.outputs[0].test_tensor_sha256 = add(build::kTestOutput, bytes_text(io::npy_bytes(output)));
  // The samples as ImageJ opens them: the example's own axes without a batch.
  std::string image_axes = example.image.pixels.axes();
  if (const auto b = image_axes.find('b'); b != std::string::npos) image_axes.erase(b, 1);
  io::write_image({run::to_image_axes(example.model_axes, image_axes), example.image.calibration}, bundle.folder() / build::kSampleInput);
  spec.inputs[0].sample_tensor_sha256 = add_file(build::kSampleInput);
  io::write_image({run::to_image_axes(output, image_axes), std::nullopt}, bundle.folder() / build::kSampleOutput);
  spec.outputs[0].sample_tensor_sha256 = add_file(build::kSampleOutput);
#ifdef DEEPIMAGE_WITH_PNG_JPEG
  io::write_png(build::render_cover(test_input, output), bundle.folder() / build::kCover);
#else
  throw Error(ErrorCode::unsupported, "cannot render cover.png: deepimage was built without PNG support (DEEPIMAGE_WITH_PNG_JPEG)");
#endif
  spec.attachments.push_back({build::kCover, add_file(build::kCover)});
  const std::string doc = build::documentation_entry_name(r);
  if (r.documentation.empty()) {
    add(doc, build::generated_readme(spec));
  } else {
    bundle.copy_in(doc, r.documentation);
    add_file(doc);
  }
  spec.attachments.push_back({doc, report.files.back().second});
  const std::string rdf = model::write_rdf_v05(spec);
  bundle.write("rdf.yaml", rdf);

  report.test = test_model({.model = bundle.folder(), .weights = "", .threads = r.threads});
  if (!report.test.passed) {
    std::string why;
    for (const auto* list : {&report.test.outputs, &report.test.tiled_outputs})
      for (const OutputComparison& c : *list)
        if (!c.passed) {
          why = c.problem.empty() ? std::to_string(c.mismatched) + " of " + std::to_string(c.element_count) +
                                        " values differ (max |difference| " + std::to_string(c.max_abs_diff) + ")"
                                  : c.problem;
          why += list == &report.test.tiled_outputs ? " when tiled" : "";
          break;
        }
    throw Error(ErrorCode::invalid_argument, "the bundle fails its own test (" + why +
                                                 "); expected the network to give the same output tiled with output.halo as whole: "
                                                 "is output.halo at least the network's receptive-field radius?");
  }
  bundle.commit();
  report.zip = bundle.is_zip();
  report.output = r.output_path.filename().empty() ? r.output_path.parent_path().string() : r.output_path.string();
  return report;
}

nlohmann::json to_json(const BuildReport& r) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& [name, sha] : r.files) files.push_back({{"name", name}, {"sha256", sha}});
  return {{"output", r.output}, {"zip", r.zip}, {"files", files}, {"example_shape", r.example_shape},
          {"output_shape", r.output_shape}, {"test", to_json(r.test)}};
}

}  // namespace deepimage
