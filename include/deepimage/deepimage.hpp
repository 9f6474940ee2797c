// deepimage as a library: a model loaded once, run on images already in memory.
//
//   #include <deepimage/deepimage.hpp>
//
//   deepimage::Model model = deepimage::Model::open("unet2d_nuclei_broad/");  // folder, .zip, rdf, or a bare
//                                                                              // weights file as `run` takes
//   const deepimage::ModelSpec& spec = model.spec();    // inputs, outputs, axes, preprocessing
//
//   deepimage::Session session(model, {.threads = 4, .tile = {{'y', 256}, {'x', 256}}});
//   std::vector<std::uint16_t> pixels = ...;            // 512 rows of 640 pixels, the caller's buffer
//   deepimage::TensorView image{.data = pixels.data(), .dtype = deepimage::DType::u16,
//                               .shape = {512, 640}, .axes = "yx"};   // strides empty: C order
//   std::vector<deepimage::Tensor> outputs = session.predict({image});   // throws deepimage::Error
//   const float* probability = outputs[0].data<float>();                 // "yx" {512, 640}
//
// predict() does what `deepimage run` does to an image file holding the same pixels, and gives the same
// numbers: the image's axes are matched to the model's by letter (size-1 axes added or dropped), the
// preprocessing's statistics are taken over the whole image, the image is tiled as the options and the
// memory budget say, and outputs come back in the image's axes (batch dropped), postprocessed.
// A stack is run as `run` runs it: axes the model lacks (the z of a zyx view for a 2D model, t, a
// batch of several) are a loop, each slice its own sample with its own statistics, and the output
// has the looped axes first, in the view's order ("zyx" in gives "zyx"; "yxz" gives "zyx").
// A view may be strided (a window of a larger image, a transposed array: strides in elements); it is
// read, never written, and only during predict(), straight into the model's layout (the whole sample,
// or a band of tile rows at a time when the memory budget says so), as `run` reads a file. A view
// already in the model's layout (C order, the model's axis order: "yx" or "zyx" for a "bcyx" model)
// is not copied at all; tiles are cut from the caller's memory. predict() runs on the same driver as
// `deepimage run` (src/run/runner.hpp), so the two give the same numbers by construction.
//
// Threads: a Session is used by one thread at a time (its engine keeps per-run state). For parallel
// work, open one Session per thread; they may share one Model, which is read-only once opened.
// Progress and log callbacks run on the thread calling predict(). Setting `*cancel` from any thread
// stops predict() before the next tile with Error(ErrorCode::cancelled).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "deepimage/dtype.hpp"
#include "deepimage/error.hpp"
#include "deepimage/model_spec.hpp"
#include "deepimage/object_rules.hpp"
#include "deepimage/precision.hpp"
#include "deepimage/progress.hpp"
#include "deepimage/tensor.hpp"

namespace deepimage {

// Borrowed pixels: the caller keeps them alive and unchanged during predict().
struct TensorView {
  const void* data = nullptr;
  DType dtype = DType::f32;
  Shape shape;
  std::vector<std::int64_t> strides;  // in elements, one per axis; empty: C order (last axis contiguous)
  std::string axes;                   // one letter of "bitczyx" per axis, e.g. "yx", "cyx", "zyx"
};

// One line the library would otherwise print (warnings such as NaN in an input, a sigmoid applied twice).
using LogCallback = std::function<void(std::string_view line)>;

struct SessionOptions {
  std::string weights;                    // "torchscript", "onnx", ...; empty: the best that runs here
  int threads = 0;                        // 0: all cores
  Precision precision = Precision::fp32;
  std::uint64_t memory = 0;               // peak bytes predict() may use; 0: 60 % of what is available
  std::map<char, std::int64_t> tile;      // model input size per spatial axis; empty: as large as fits
  std::map<char, std::int64_t> halo;      // halo per side in input pixels, overriding the model's
  std::string pad = "reflect";            // reflect | symmetric | edge | zeros
  ProgressCallback progress;              // after each tile
  const std::atomic<bool>* cancel = nullptr;
  LogCallback log;                        // warnings; none are written to stderr
  // Whole-image statistics (the JSON text measure_statistics() returns, or a file `deepimage stats`
  // wrote): the preprocessing takes them instead of measuring the view it is given, so a part of an
  // image (a Dask block, a tile of a mosaic) is normalised as the whole image is. Empty: each view is
  // measured itself. Checked against the model and each input's statistics shape when predict() runs.
  std::string statistics;
};

// One tiled axis of the plan predict() follows for given inputs (drawn in src/tiling/tile_plan.hpp), in
// the image's pixel coordinates: tile k reads input [read_begin[k], read_begin[k] + tile) (reaching
// outside the image means padding) and writes output [write_begin[k], write_end[k]). For callers
// that split an image themselves (deepimage.dask): predict() on one tile's read box alone, with
// halo 0 and this tile size, gives that tile's pixels of the whole run, when the statistics agree.
struct TileAxis {
  char axis = 'x';
  std::int64_t tile = 0;  // model input size along the axis
  std::vector<std::int64_t> read_begin, write_begin, write_end;
};

// How to open a bare network file (no rdf: .onnx, .pt, a SavedModel folder) whose graph does not say
// which tensor is the image and which the result (a SavedModel without a signature): what `run`'s
// --input-name and --output-name give. Ignored for bundles.
struct OpenOptions {
  std::string input_name, output_name;  // empty: the graph's own single input / output
};

class Model {
 public:
  // Throws Error (not_found, bad_model, ...) naming the path.
  static Model open(const std::filesystem::path& path, const OpenOptions& options = {});
  const ModelSpec& spec() const;

  struct Loaded;  // the bundle and its parsed rdf (internal)
  explicit Model(std::shared_ptr<const Loaded> loaded);
  const std::shared_ptr<const Loaded>& loaded() const { return loaded_; }

 private:
  std::shared_ptr<const Loaded> loaded_;
};

// Objects in an array (docs/objects.md): `probability` (a model's result; axes may be empty for a
// 2D "yx" array) thresholded, split, filtered as `rules` say, or as `model` says where they are unset
// (a StarDist model: star-convex objects with its thresholds), and measured under `intensity` (same
// y, x, z; every channel) when given. The labels are uint32 in the probability's axes without "c";
// the report's rows are the table `deepimage objects` writes (its file names empty). Memory views
// carry no pixel size: measurements are in pixels and 3D objects isotropic. Throws Error as
// find_objects on files does (invalid_argument naming the value).
struct LabelledObjects {
  Tensor labels;
  ObjectsReport report;
};
LabelledObjects find_objects(const TensorView& probability, const ObjectRules& rules = {}, const TensorView* intensity = nullptr,
                             const ModelSpec* model = nullptr);

class Session {
 public:
  // Loads the weights into their engine (the slow part: once per Session). The Session keeps what
  // it needs of `model`, which may go away first.
  explicit Session(const Model& model, SessionOptions options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  // One view per model input, in spec().inputs order; one tensor per output, in spec().outputs order,
  // in the image's axes. Bad dtype, axes or shape throw Error(invalid_argument) naming the value.
  std::vector<Tensor> predict(const std::vector<TensorView>& inputs);

  // The tiles predict(inputs) would run, without running them. Throws as predict() for bad views.
  std::vector<TileAxis> tile_plan(const std::vector<TensorView>& inputs);

  const ModelSpec& spec() const;
  const std::string& weights_format() const;  // the weights the Session runs
  const SessionOptions& options() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The whole-image statistics of `inputs` (one view per model input, the whole image) that the model's
// preprocessing needs (zero_mean_unit_variance, percentile scale_range, 0.4 per_dataset ops), as
// predict() would measure them, as JSON text (the file format `deepimage stats` writes, see
// docs/scaling.md): give it to SessionOptions::statistics of the Sessions that see parts of the image.
std::string measure_statistics(const Model& model, const std::vector<TensorView>& inputs);

}  // namespace deepimage
