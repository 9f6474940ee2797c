#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "deepimage/error.hpp"
#include "tiling/padding.hpp"
#include "tiling/tile_plan.hpp"
#include "unit/tiling/pad_reference.hpp"

namespace deepimage::tiling {
namespace {

constexpr PadMode kAllModes[] = {PadMode::reflect, PadMode::symmetric, PadMode::edge, PadMode::zeros};

// An independent mirror: fold the coordinate back one reflection at a time until it lands inside.
std::int64_t naive_fold(std::int64_t i, std::int64_t n, PadMode mode) {
  if (mode == PadMode::zeros) return (i < 0 || i >= n) ? -1 : i;
  if (mode == PadMode::edge) return i < 0 ? 0 : (i >= n ? n - 1 : i);
  if (mode == PadMode::reflect && n == 1) return 0;
  while (i < 0 || i >= n) {
    if (mode == PadMode::reflect) i = i < 0 ? -i : 2 * (n - 1) - i;
    else i = i < 0 ? -i - 1 : 2 * n - 1 - i;
  }
  return i;
}

// Fills a tensor with distinct values (its flat index + 1, so zero padding is recognisable).
Tensor iota_tensor(DType dtype, Shape shape, std::string axes) {
  Tensor t(dtype, std::move(shape), std::move(axes));
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      for (std::int64_t k = 0; k < t.element_count(); ++k) t.data<bool>()[k] = (k % 3) != 0;
    } else {
      for (std::int64_t k = 0; k < t.element_count(); ++k) t.data<T>()[k] = static_cast<T>(k % 120 + 1);
    }
  });
  return t;
}

// Per-element reference for read_padded: walks every output position and copies one element.
Tensor naive_read(const Tensor& image, const std::string& box_axes, const Box& box, PadMode mode) {
  Shape shape = image.shape();
  std::vector<int> entry(image.rank(), -1);
  for (std::size_t k = 0; k < box_axes.size(); ++k) {
    const auto d = static_cast<std::size_t>(image.axis_index(box_axes[k]));
    entry[d] = static_cast<int>(k);
    shape[d] = box.extent(k);
  }
  Tensor out(image.dtype(), shape, image.axes());
  const auto in_strides = strides_of(image.shape());
  const std::size_t es = dtype_size(image.dtype());
  std::vector<std::int64_t> idx(shape.size(), 0);
  for (std::int64_t flat = 0; flat < out.element_count(); ++flat) {
    std::int64_t rem = flat, src = 0;
    bool inside = true;
    for (std::size_t d = shape.size(); d-- > 0;) {
      idx[d] = rem % shape[d];
      rem /= shape[d];
    }
    for (std::size_t d = 0; d < shape.size(); ++d) {
      std::int64_t s = idx[d];
      if (entry[d] >= 0) s = naive_fold(box.begin[static_cast<std::size_t>(entry[d])] + idx[d], image.shape()[d], mode);
      if (s < 0) inside = false;
      src += s * in_strides[d];
    }
    if (inside) std::memcpy(out.bytes() + flat * es, image.bytes() + src * es, es);
  }
  return out;
}

bool same_tensor(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && a.axes() == b.axes() &&
         (a.byte_count() == 0 || std::memcmp(a.bytes(), b.bytes(), a.byte_count()) == 0);  // empty: null storage
}

TEST(SourceIndex, MatchesNumpyPad) {
  ASSERT_FALSE(testing::kPadReference.empty());
  for (const auto& ref : testing::kPadReference) {
    const PadMode mode = pad_mode_from_string(ref.mode);
    ASSERT_EQ(static_cast<std::int64_t>(ref.padded.size()), ref.n + 2 * ref.width);
    for (std::int64_t j = 0; j < static_cast<std::int64_t>(ref.padded.size()); ++j)
      EXPECT_EQ(source_index(j - ref.width, ref.n, mode), ref.padded[static_cast<std::size_t>(j)])
          << ref.mode << " n=" << ref.n << " width=" << ref.width << " at " << j - ref.width;
  }
}

TEST(SourceIndex, NaiveFoldAgreesFarOutside) {
  for (PadMode mode : kAllModes)
    for (std::int64_t n = 1; n <= 9; ++n)
      for (std::int64_t i = -60; i < 60; ++i) EXPECT_EQ(source_index(i, n, mode), naive_fold(i, n, mode)) << i << " " << n;
}

TEST(PadMode, NamesRoundTripAndUnknownListsModes) {
  for (PadMode mode : kAllModes) EXPECT_EQ(pad_mode_from_string(to_string(mode)), mode);
  EXPECT_EQ(pad_mode_from_string("reflect"), PadMode::reflect);
  try {
    pad_mode_from_string("mirror");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("\"mirror\""), std::string::npos) << msg;
    for (const char* m : {"reflect", "symmetric", "edge", "zeros"}) EXPECT_NE(msg.find(m), std::string::npos) << msg;
  }
}

TEST(ReadPadded, TwoDimensionalMatchesNaive) {
  const Tensor image = iota_tensor(DType::i32, {5, 7}, "yx");
  const std::vector<Box> boxes = {
      {{0, 0}, {5, 7}},      // the image itself
      {{-3, -4}, {8, 11}},   // halo on every side
      {{-12, 2}, {-1, 20}},  // entirely above, far right: repeated reflections
      {{1, 2}, {4, 6}},      // inside
      {{2, 3}, {2, 9}},      // empty along y
  };
  for (PadMode mode : kAllModes)
    for (const Box& box : boxes) {
      const Tensor got = read_padded(image, "yx", box, mode);
      EXPECT_EQ(got.shape(), (Shape{box.extent(0), box.extent(1)}));
      EXPECT_TRUE(same_tensor(got, naive_read(image, "yx", box, mode))) << to_string(mode) << " " << box.to_string();
    }
}

TEST(ReadPadded, ThreeDimensionalAnyDtypeAndLayout) {
  struct Case {
    DType dtype;
    Shape shape;
    std::string axes, box_axes;
    Box box;
  };
  const std::vector<Case> cases = {
      {DType::f32, {1, 2, 4, 6, 5}, "bczyx", "zyx", {{-2, -3, -6}, {7, 9, 11}}},
      {DType::u8, {2, 3, 4, 5}, "bcyx", "yx", {{-4, 1}, {6, 10}}},
      {DType::u16, {6, 5, 3}, "yxc", "yx", {{-2, -2}, {9, 8}}},      // channels last: whole blocks move
      {DType::f64, {6, 5, 3}, "yxc", "xy", {{-1, 2}, {7, 8}}},       // box axes in another order
      {DType::i64, {4, 3, 5}, "ycx", "y", {{-5}, {9}}},     // one boxed axis before others
      {DType::boolean, {3, 1, 7}, "zyx", "zyx", {{-2, -2, -3}, {5, 3, 9}}},  // size-1 axis padded
      {DType::i8, {2, 3}, "cx", "", {{}, {}}},                     // nothing boxed: a copy
  };
  for (const Case& c : cases) {
    const Tensor image = iota_tensor(c.dtype, c.shape, c.axes);
    for (PadMode mode : kAllModes) {
      const Tensor got = read_padded(image, c.box_axes, c.box, mode);
      EXPECT_TRUE(same_tensor(got, naive_read(image, c.box_axes, c.box, mode)))
          << c.axes << " box " << c.box_axes << c.box.to_string() << " " << to_string(mode);
    }
  }
}

TEST(ReadPadded, ZerosFillsOutsideWithZero) {
  const Tensor image = iota_tensor(DType::f32, {3, 3}, "yx");
  const Tensor got = read_padded(image, "yx", {{-1, -1}, {4, 4}}, PadMode::zeros);
  const float* p = got.data<float>();
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 5; ++x) {
      const bool inside = y >= 1 && y <= 3 && x >= 1 && x <= 3;
      EXPECT_EQ(p[y * 5 + x], inside ? static_cast<float>((y - 1) * 3 + (x - 1) + 1) : 0.f) << y << "," << x;
    }
}

TEST(ReadPadded, RejectsAxesTheImageLacks) {
  const Tensor image = iota_tensor(DType::f32, {3, 3}, "yx");
  EXPECT_THROW(read_padded(image, "zx", {{0, 0}, {1, 1}}, PadMode::reflect), Error);
  EXPECT_THROW(read_padded(image, "yx", {{0}, {1}}, PadMode::reflect), Error);
}

TEST(WriteBox, CopiesValidBoxAndLeavesTheRest) {
  const Tensor from = iota_tensor(DType::u16, {2, 6, 7}, "cyx");
  Tensor to(DType::u16, {2, 9, 8}, "cyx");
  const Box write{{3, 1}, {7, 4}}, valid{{1, 4}, {5, 7}};
  write_box(to, "yx", write, from, valid);
  for (int c = 0; c < 2; ++c)
    for (int y = 0; y < 9; ++y)
      for (int x = 0; x < 8; ++x) {
        const bool in = y >= 3 && y < 7 && x >= 1 && x < 4;
        const std::uint16_t expected = in ? from.data<std::uint16_t>()[(c * 6 + (y - 3 + 1)) * 7 + (x - 1 + 4)] : 0;
        EXPECT_EQ(to.data<std::uint16_t>()[(c * 9 + y) * 8 + x], expected) << c << "," << y << "," << x;
      }
}

TEST(WriteBox, MismatchesAreInternalErrors) {
  const Tensor from = iota_tensor(DType::f32, {2, 6, 7}, "cyx");
  Tensor to(DType::f32, {2, 9, 8}, "cyx");
  Tensor other_channels(DType::f32, {3, 9, 8}, "cyx");
  const auto code_of = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::unsupported;  // stands for "no error"
  };
  EXPECT_EQ(code_of([&] { write_box(to, "yx", {{0, 0}, {3, 3}}, from, {{0, 0}, {3, 4}}); }), ErrorCode::internal);
  EXPECT_EQ(code_of([&] { write_box(other_channels, "yx", {{0, 0}, {3, 3}}, from, {{0, 0}, {3, 3}}); }), ErrorCode::internal);
  EXPECT_EQ(code_of([&] { write_box(to, "yx", {{7, 0}, {10, 3}}, from, {{0, 0}, {3, 3}}); }), ErrorCode::internal);
  EXPECT_EQ(code_of([&] { write_box(to, "yx", {{0, 0}, {3, 3}}, from, {{0, 0}, {3, 3}}); }), ErrorCode::unsupported);
}

// Cutting an image into planned tiles (read with padding) and writing each tile's valid part back
// rebuilds the image exactly: read, valid and write boxes agree with each other.
TEST(WriteBox, TiledReadAndWriteRebuildTheImage) {
  struct Case {
    Shape shape;
    std::string axes;
    SizeRule rule;
    std::int64_t halo, alignment;
  };
  const std::vector<Case> cases = {
      {{1, 2, 37, 53}, "bcyx", {16, 0}, 4, 4},
      {{29, 41, 3}, "yxc", {24, 8}, 3, 8},
      {{1, 11, 19, 23}, "czyx", {12, 0}, 2, 1},
  };
  for (const Case& c : cases) {
    const Tensor image = iota_tensor(DType::f32, c.shape, c.axes);
    std::vector<AxisTiling> axes;
    std::string box_axes;
    for (std::size_t d = 0; d < c.axes.size(); ++d) {
      const char id = c.axes[d];
      if (id != 'z' && id != 'y' && id != 'x') continue;
      AxisTiling a{.id = id, .image_size = c.shape[d], .rule = c.rule, .halo = c.halo, .alignment = c.alignment, .tile = {}};
      if (c.rule.step > 0) a.tile = c.rule.min + c.rule.step;  // force tiling on the flexible model
      axes.push_back(a);
      box_axes += id;
    }
    const TilePlan plan = plan_tiles(axes);
    ASSERT_GT(plan.tiles.size(), 1u) << c.axes;
    Tensor rebuilt(DType::f32, c.shape, c.axes);
    for (const Tile& t : plan.tiles) {
      const Tensor tile = read_padded(image, box_axes, t.read, PadMode::reflect);
      write_box(rebuilt, box_axes, t.write, tile, t.valid);
    }
    EXPECT_TRUE(same_tensor(rebuilt, image)) << c.axes;
  }
}

}  // namespace
}  // namespace deepimage::tiling
