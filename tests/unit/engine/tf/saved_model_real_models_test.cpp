// The real TF1 SavedModels of ../shared/realdata end to end on the graph IR: load_saved_model's frozen
// GraphDef, the TF importer (tf_import.hpp) and the reference interpreter, against the values their
// SOURCE.txt records (half_plus_two, DEFCoN's upstream local count and tfjs reference, tiktorch's test data).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/graph/passes.hpp"
#include "engine/graph/reference_interpreter.hpp"
#include "engine/tf/saved_model.hpp"
#include "engine/tf/tf_import.hpp"
#include "io/image.hpp"
#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;
using engine::tf::FrozenGraph;

engine::graph::Graph import(const FrozenGraph& f) {
  std::vector<std::string> feeds, fetches;
  for (const auto& t : f.feeds) feeds.push_back(t.name);
  for (const auto& t : f.fetches) fetches.push_back(t.name);
  engine::graph::Graph g = engine::import_tf_graph(f.graph, feeds, fetches, f.where);
  engine::graph::cancel_transposes(g);
  return g;
}

Tensor run(const engine::graph::Graph& g, const Tensor& x) {
  return engine::graph::run_reference(engine::graph::specialize(g, {x.shape()}), {x}).at(0);
}

Tensor npy(const fs::path& path) {
  const std::string bytes = slurp(path);
  return io::read_npy_bytes({reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()}, path.string());
}

std::vector<float> floats(const Tensor& t) {
  const Tensor f = t.converted(DType::f32);
  return {f.data<float>(), f.data<float>() + f.element_count()};
}

TEST(TfSavedModelRealModels, HalfPlusTwoAndThree) {
  DEEPIMAGE_REQUIRE_REALDATA();
  Tensor x(DType::f32, {3, 1});
  const float in[] = {1, 2, 5};
  std::memcpy(x.data<float>(), in, sizeof in);
  const auto serving = realdata() / "tf_serving_half_plus_two";
  const auto two = engine::tf::SavedModelFiles::at_path(serving / "saved_model_half_plus_two_cpu/00000123");
  EXPECT_EQ(floats(run(import(engine::tf::load_saved_model(two, {}, {})), x)), (std::vector<float>{2.5f, 3.0f, 4.5f}));
  const auto three = engine::tf::SavedModelFiles::at_path(serving / "saved_model_half_plus_three/00000123");
  EXPECT_EQ(floats(run(import(engine::tf::load_saved_model(three, {}, {})), x)), (std::vector<float>{3.5f, 4.0f, 5.5f}));
}

TEST(TfSavedModelRealModels, DefconMatchesItsUpstreamCountAndTheTfjsReference) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto dir = realdata() / "defcon_imagej_savedmodel";
  const FrozenGraph f = engine::tf::load_saved_model(engine::tf::SavedModelFiles::at_path(dir / "tf_density_count"),
                                                     {"input_tensor"}, {"output_tensor"});
  const auto g = engine::graph::specialize(import(f), {{1, 32, 32, 1}});
  const Tensor stack = io::read_image(dir / "test_data.tif").pixels.converted(DType::f32);  // (10, 32, 32), unscaled
  const Tensor reference = npy(dir / "reference_density_tfjs_nodropout.npy");
  ASSERT_EQ(stack.element_count(), 10u * 32 * 32);
  ASSERT_EQ(reference.element_count(), 10u * 32 * 32);
  for (int frame = 0; frame < 10; ++frame) {
    Tensor x(DType::f32, {1, 32, 32, 1});
    std::memcpy(x.data<float>(), stack.data<float>() + frame * 1024, 1024 * sizeof(float));
    const std::vector<float> density = floats(engine::graph::run_reference(g, {x}).at(0));
    ASSERT_EQ(density.size(), 1024u);
    double worst = 0;
    for (int i = 0; i < 1024; ++i)
      worst = std::max(worst, std::abs(double(density[i]) - reference.data<float>()[frame * 1024 + i]));
    EXPECT_LE(worst, kDefconVsTfjsMaxAbs) << "frame " << frame;
    if (frame != 0) continue;
    // ImageJ's frame 1: the largest sum over a 7x7 window inside the image.
    double best = 0;
    for (int y = 0; y + 7 <= 32; ++y)
      for (int x0 = 0; x0 + 7 <= 32; ++x0) {
        double sum = 0;
        for (int dy = 0; dy < 7; ++dy)
          for (int dx = 0; dx < 7; ++dx) sum += density[(y + dy) * 32 + x0 + dx];
        best = std::max(best, sum);
      }
    EXPECT_NEAR(best, 1.018, kDefconLocalCountTolerance);
  }
}

TEST(TfSavedModelRealModels, TiktorchReproducesItsTestData) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto dir = realdata() / "tiktorch_dummy_tf_savedmodel";
  const model::Model m = model::open_model(dir);
  const FrozenGraph f = engine::tf::load_saved_model(m, m.spec.weights.at(0), {"input0"}, {"output0"});
  const Tensor x = npy(dir / "test_input.npy").converted(DType::f32);  // uint8 in the rdf
  EXPECT_EQ(floats(run(import(f), x)), floats(npy(dir / "test_output.npy")));
}

// No reference outputs (SOURCE.txt: an earlier DEFCoN training; N2V's shipped pair does not come from
// its weights): they load, run, and keep the input's size with finite values.
TEST(TfSavedModelRealModels, DefconBsdAndN2vLoadAndRun) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const Tensor frames = io::read_image(realdata() / "defcon_imagej_savedmodel/test_data.tif").pixels.converted(DType::f32);
  Tensor x(DType::f32, {1, 32, 32, 1});
  std::memcpy(x.data<float>(), frames.data<float>(), 1024 * sizeof(float));
  for (const char* model : {"tf_density_count", "tf_max_count"}) {
    const auto files = engine::tf::SavedModelFiles::at_path(realdata() / "defcon_bsd/serving" / model);
    const Tensor y = run(import(engine::tf::load_saved_model(files, {"input_tensor"}, {"output_tensor"})), x);
    if (std::string(model) == "tf_density_count") {
      EXPECT_EQ(y.shape(), x.shape()) << model;  // tf_max_count's output is the maximal local count
    }
    for (const float v : floats(y)) ASSERT_TRUE(std::isfinite(v)) << model;
  }
  const auto n2v = engine::tf::SavedModelFiles::at_path(realdata() / "n2v_fiji_tf_savedmodel/format-0.2.0-csbdeep.bioimage.io.zip");
  Tensor normalised(DType::f32, {1, 32, 32, 1});
  const Tensor in = io::read_image(realdata() / "n2v_fiji_tf_savedmodel/testinput.tif").pixels.converted(DType::f32);
  ASSERT_EQ(in.element_count(), 1024u);
  std::memcpy(normalised.data<float>(), in.data<float>(), 1024 * sizeof(float));
  const Tensor y = run(import(engine::tf::load_saved_model(n2v, {}, {})), normalised);
  EXPECT_EQ(y.shape(), normalised.shape());
  for (const float v : floats(y)) ASSERT_TRUE(std::isfinite(v));
}

}  // namespace
}  // namespace deepimage::testing
