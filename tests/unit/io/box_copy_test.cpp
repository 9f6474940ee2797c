// Box runs and copies against the naive cut: C and Fortran strides, and the run merging that lets a
// sink write a band of full rows in one write.
#include <gtest/gtest.h>

#include "io/box_copy.hpp"
#include "io_test_support.hpp"
#include "region_test_support.hpp"

namespace deepimage::io {
namespace {

using testing::naive_cut;
using testing::same_values;

std::int64_t run_count(const Shape& shape, const Box& box) {
  std::int64_t runs = 0;
  for_each_box_run(shape, strides_of(shape), box, [&](std::int64_t, std::int64_t, std::int64_t) { ++runs; });
  return runs;
}

TEST(BoxCopy, RunsSpanTheTrailingAxesTheBoxCoversWhole) {
  const Shape shape{3, 4, 5, 6};
  EXPECT_EQ(run_count(shape, Box{{0, 0, 0, 0}, shape}), 1);                // the whole array
  EXPECT_EQ(run_count(shape, Box{{0, 0, 1, 0}, {3, 4, 4, 6}}), 12);        // a band of full rows per page
  EXPECT_EQ(run_count(shape, Box{{0, 0, 1, 2}, {3, 4, 4, 5}}), 3 * 4 * 3); // one run per row of a tile
  EXPECT_EQ(run_count(shape, Box{{1, 0, 0, 0}, {2, 4, 5, 6}}), 1);         // one slice
  EXPECT_EQ(run_count({}, Box{}), 1);                                       // a scalar
}

TEST(BoxCopy, OutAndInAgreeWithTheNaiveCutInCAndFortranOrder) {
  const Tensor whole = testing::random_tensor(DType::u16, {4, 5, 6}, "", 11);
  std::mt19937 rng(3);
  // The same values stored in Fortran order: element (i, j, k) at i + 4 * (j + 5 * k).
  Tensor fortran(DType::u16, {6, 5, 4});
  for (std::int64_t i = 0; i < 4; ++i)
    for (std::int64_t j = 0; j < 5; ++j)
      for (std::int64_t k = 0; k < 6; ++k)
        fortran.data<std::uint16_t>()[i + 4 * (j + 5 * k)] = whole.data<std::uint16_t>()[(i * 5 + j) * 6 + k];
  for (int n = 0; n < 50; ++n) {
    const Box box = testing::random_box(whole.shape(), rng);
    const Tensor expected = naive_cut(whole, box);
    Tensor part(DType::u16, box.shape());
    copy_box_out(whole.bytes(), whole.shape(), strides_of(whole.shape()), 2, box, part.bytes());
    EXPECT_TRUE(same_values(part, expected)) << box.to_string();
    copy_box_out(fortran.bytes(), whole.shape(), {1, 4, 20}, 2, box, part.bytes());
    EXPECT_TRUE(same_values(part, expected)) << "fortran " << box.to_string();
    Tensor rebuilt(DType::u16, whole.shape());
    copy_box_in(rebuilt.bytes(), whole.shape(), strides_of(whole.shape()), 2, box, expected.bytes());
    EXPECT_TRUE(same_values(naive_cut(rebuilt, box), expected)) << "in " << box.to_string();
  }
}

}  // namespace
}  // namespace deepimage::io
