#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>

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

}  // namespace
}  // namespace deepimage
