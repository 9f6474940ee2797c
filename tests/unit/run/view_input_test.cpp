// ViewInput: a view of memory read as a model input, against a naive per-element reading of the same
// memory; reads in the model's layout borrow the memory instead of copying it.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "deepimage/error.hpp"
#include "run/view_input.hpp"
#include "support/tensor_specs.hpp"

namespace deepimage::run {
namespace {

using testing::bcyx_input;

std::vector<float> values(const Tensor& t) { return {t.data<float>(), t.data<float>() + t.element_count()}; }

TEST(ViewInput, AViewInTheModelsLayoutIsLentNotCopied) {
  std::vector<float> pixels(3 * 5 * 7);
  std::iota(pixels.begin(), pixels.end(), 0.0f);
  const TensorSpec input = bcyx_input(1);
  const ViewInput in(TensorView{.data = pixels.data(), .dtype = DType::f32, .shape = {3, 5, 7}, .strides = {}, .axes = "zyx"}, input);
  EXPECT_EQ(in.loop().axes, "z");
  EXPECT_EQ(in.sample_shape(), (Shape{1, 1, 5, 7}));
  EXPECT_EQ(in.name(), "input \"raw\"");

  const Tensor slice = in.read(2, 0, 0, 0);  // sample 2, whole
  EXPECT_TRUE(slice.borrowed());
  EXPECT_EQ(static_cast<const void*>(slice.data<float>()), static_cast<const void*>(pixels.data() + 2 * 35));
  EXPECT_EQ(slice.shape(), (Shape{1, 1, 5, 7}));
  EXPECT_EQ(slice.axes(), "bcyx");

  const Tensor rows = in.read(1, 'y', 2, 4);  // rows 2..3 of sample 1: one block of memory
  EXPECT_TRUE(rows.borrowed());
  EXPECT_EQ(static_cast<const void*>(rows.data<float>()), static_cast<const void*>(pixels.data() + 35 + 2 * 7));
  EXPECT_EQ(rows.shape(), (Shape{1, 1, 2, 7}));

  const Tensor columns = in.read(1, 'x', 3, 5);  // columns are not one block: gathered
  EXPECT_FALSE(columns.borrowed());
  std::vector<float> expected;
  for (int y = 0; y < 5; ++y)
    for (int x = 3; x < 5; ++x) expected.push_back(pixels[35 + y * 7 + x]);
  EXPECT_EQ(values(columns), expected);
}

TEST(ViewInput, AStridedViewIsGatheredElementByElement) {
  // A "yxz" array read as "zyx" for a 2D model: sample k is every third value from k.
  std::vector<float> pixels(4 * 6 * 3);
  std::iota(pixels.begin(), pixels.end(), 0.0f);
  const ViewInput in(TensorView{.data = pixels.data(), .dtype = DType::f32, .shape = {4, 6, 3}, .strides = {}, .axes = "yxz"},
                     bcyx_input(1));
  EXPECT_EQ(in.loop().axes, "z");
  for (std::int64_t z = 0; z < 3; ++z) {
    const Tensor sample = in.read(z, 0, 0, 0);
    EXPECT_FALSE(sample.borrowed());
    std::vector<float> expected;
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 6; ++x) expected.push_back(pixels[(y * 6 + x) * 3 + z]);
    EXPECT_EQ(values(sample), expected) << "z " << z;
  }
  // A window of a larger image (row stride 10 for rows of 6): rows are not contiguous either.
  std::vector<float> wide(4 * 10);
  std::iota(wide.begin(), wide.end(), 0.0f);
  const ViewInput window(TensorView{.data = wide.data() + 2, .dtype = DType::f32, .shape = {4, 6}, .strides = {10, 1}, .axes = "yx"},
                         bcyx_input(1));
  const Tensor w = window.read(0, 'y', 1, 3);
  EXPECT_FALSE(w.borrowed());
  EXPECT_EQ(values(w), (std::vector<float>{12, 13, 14, 15, 16, 17, 22, 23, 24, 25, 26, 27}));
}

TEST(ViewInput, ABadViewIsRefusedNamingTheInput) {
  float one = 1;
  try {
    ViewInput(TensorView{.data = &one, .dtype = DType::f32, .shape = {1, 1}, .strides = {}, .axes = "yq"}, bcyx_input(1));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_EQ(std::string(e.what()), "input \"raw\": axes \"yq\" must be distinct letters of \"bitczyx\" (\"q\" is not)");
  }
}

}  // namespace
}  // namespace deepimage::run
