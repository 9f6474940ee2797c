#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "core/checked_math.hpp"
#include "deepimage/error.hpp"
#include "deepimage/tensor.hpp"

namespace deepimage {
namespace {

TEST(Tensor, TransposeMatchesNaiveIndexing) {
  Tensor t(DType::i32, {2, 3, 4}, "cyx");
  std::iota(t.data<std::int32_t>(), t.data<std::int32_t>() + 24, 0);
  Tensor u = t.transposed("yxc");
  ASSERT_EQ(u.shape(), (Shape{3, 4, 2}));
  for (int c = 0; c < 2; ++c)
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 4; ++x)
        EXPECT_EQ(u.data<std::int32_t>()[(y * 4 + x) * 2 + c], (c * 3 + y) * 4 + x);
}

TEST(Tensor, ConvertRoundsAndSaturatesToIntegers) {
  Tensor t(DType::f32, {5}, "x");
  float* p = t.data<float>();
  p[0] = -3.f; p[1] = 1.4f; p[2] = 1.6f; p[3] = 300.f; p[4] = 70000.f;
  Tensor u8 = t.converted(DType::u8);
  EXPECT_EQ(u8.data<std::uint8_t>()[0], 0);
  EXPECT_EQ(u8.data<std::uint8_t>()[1], 1);
  EXPECT_EQ(u8.data<std::uint8_t>()[2], 2);
  EXPECT_EQ(u8.data<std::uint8_t>()[3], 255);
  EXPECT_EQ(t.converted(DType::u16).data<std::uint16_t>()[4], 65535);
  EXPECT_EQ(t.converted(DType::i16).data<std::int16_t>()[0], -3);
}

TEST(Tensor, WrongTypedAccessThrows) {
  Tensor t(DType::u16, {2, 2}, "yx");
  EXPECT_THROW(t.data<float>(), Error);
  EXPECT_THROW(t.size('c'), Error);
  EXPECT_EQ(t.size('x'), 2);
}

TEST(DType, NamesRoundTrip) {
  for (DType d : {DType::u8, DType::i8, DType::u16, DType::i16, DType::u32, DType::i32, DType::u64, DType::i64,
                  DType::f32, DType::f64, DType::boolean})
    EXPECT_EQ(dtype_from_string(to_string(d)), d);
  EXPECT_THROW(dtype_from_string("float17"), Error);
}

TEST(CheckedMath, DetectsOverflowWhereWrappingWouldPass) {
  EXPECT_EQ(checked_multiply(std::int64_t{1} << 31, std::int64_t{1} << 31), std::int64_t{1} << 62);
  EXPECT_FALSE(checked_multiply(std::int64_t{1} << 32, std::int64_t{1} << 31));
  EXPECT_FALSE(checked_multiply(INT64_MAX, 2));
  EXPECT_EQ(checked_multiply(INT64_MAX, 1), INT64_MAX);
  EXPECT_FALSE(checked_add(INT64_MAX, 1));
  EXPECT_EQ(checked_add(INT64_MAX - 1, 1), INT64_MAX);
  const Shape wraps = {(std::int64_t{1} << 52) + 1, 64, 64};  // times 4 bytes: 2^64 + 16384
  EXPECT_FALSE(checked_product(wraps));
  EXPECT_FALSE(checked_product(Shape{std::int64_t{1} << 32, std::int64_t{1} << 32}));  // 2^64 wraps to 0
  EXPECT_FALSE(checked_product(Shape{2, -3}));
  EXPECT_EQ(checked_product(Shape{}), 1);
  EXPECT_EQ(checked_product(Shape{3, 0, 5}), 0);
  EXPECT_EQ(checked_product(Shape{1 << 20, 1 << 20, 1 << 20}), std::int64_t{1} << 60);
}

TEST(Tensor, ElementCountOfAnOverflowingShapeIsAnErrorNotAWrappedNumber) {
  const Shape wraps = {std::int64_t{1} << 32, std::int64_t{1} << 32};
  EXPECT_THROW(element_count(wraps), Error);
  EXPECT_THROW(Tensor(DType::u8, wraps), Error);
  // 2^61 elements fit in int64 but 2^61 float32 values need 2^63 bytes, which does not.
  EXPECT_THROW(Tensor(DType::f32, {std::int64_t{1} << 61}), Error);
}

// A borrowed tensor reads the caller's memory in place; the memory is never written, whatever is done
// with the tensor.
TEST(Tensor, BorrowReadsInPlaceAndCopiesBeforeAnyWrite) {
  std::vector<float> pixels = {1, 2, 3, 4, 5, 6};
  const std::vector<float> before = pixels;
  Tensor t = Tensor::borrow(pixels.data(), DType::f32, {2, 3}, "yx");
  EXPECT_TRUE(t.borrowed());
  EXPECT_EQ(static_cast<const void*>(std::as_const(t).data<float>()), static_cast<const void*>(pixels.data()));
  EXPECT_EQ(t.byte_count(), 6 * sizeof(float));
  EXPECT_FALSE(t.empty());
  EXPECT_EQ(t.shape(), (Shape{2, 3}));

  // Derived tensors read the borrowed values.
  const Tensor transposed = std::as_const(t).transposed("xy");
  EXPECT_EQ((std::vector<float>(transposed.data<float>(), transposed.data<float>() + 6)), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  const Tensor as_u8 = std::as_const(t).converted(DType::u8);
  EXPECT_EQ(as_u8.data<std::uint8_t>()[5], 6);

  // A copy owns its bytes; moving keeps borrowing.
  Tensor copy = t;
  EXPECT_FALSE(copy.borrowed());
  EXPECT_NE(static_cast<const void*>(std::as_const(copy).data<float>()), static_cast<const void*>(pixels.data()));
  copy.data<float>()[0] = 100;
  Tensor moved = std::move(t);
  EXPECT_TRUE(moved.borrowed());
  EXPECT_FALSE(t.borrowed());  // NOLINT(bugprone-use-after-move): the moved-from state is specified

  // Writing through the borrowed tensor copies first.
  moved.data<float>()[1] = -1;
  EXPECT_FALSE(moved.borrowed());
  EXPECT_EQ(moved.data<float>()[1], -1);
  EXPECT_EQ(moved.data<float>()[2], 3);
  EXPECT_EQ(pixels, before);

  // Assigning a borrowed tensor copies too.
  Tensor assigned(DType::u8, {1});
  assigned = Tensor::borrow(pixels.data(), DType::f32, {6});
  EXPECT_TRUE(assigned.borrowed());  // a move
  Tensor copied_in(DType::u8, {1});
  copied_in = assigned;
  EXPECT_FALSE(copied_in.borrowed());
  EXPECT_EQ(copied_in.data<float>()[5], 6);
}

TEST(Tensor, BorrowOfNothingIsAnOrdinaryEmptyTensor) {
  const Tensor t = Tensor::borrow(nullptr, DType::u16, {0, 5}, "yx");
  EXPECT_FALSE(t.borrowed());
  EXPECT_EQ(t.byte_count(), 0u);
  EXPECT_EQ(t.shape(), (Shape{0, 5}));
}

}  // namespace
}  // namespace deepimage
