// The viewer's planes: base64 against RFC 4648's test vectors, and a plane of a written stack against
// the pixels written (a naive index computation), transposed for an "xy" file.
#include <gtest/gtest.h>

#include <cstring>

#include "deepimage/error.hpp"
#include "io/image.hpp"
#include "serve/image_plane.hpp"
#include "support/cli.hpp"

namespace deepimage::server {
namespace {

std::vector<float> decoded(const std::string& text) {
  static const std::string digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    acc = (acc << 6) | static_cast<std::uint32_t>(digits.find(c));
    bits += 6;
    if (bits >= 8) bits -= 8, bytes += static_cast<char>((acc >> bits) & 0xff);
  }
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), v.size() * 4);
  return v;
}

TEST(ImagePlane, Base64MatchesRfc4648) {
  const std::vector<std::pair<std::string, std::string>> vectors = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                                    {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                                    {"foobar", "Zm9vYmFy"}};
  for (const auto& [in, out] : vectors) EXPECT_EQ(base64(in.data(), in.size()), out) << in;
}

TEST(ImagePlane, APlaneOfAStackIsItsPixels) {
  testing::TempDir dir;
  // z=3, c=2, y=4, x=5, uint16; value = 1000 z + 100 c + 10 y + x
  Tensor t(DType::u16, {3, 2, 4, 5}, "zcyx");
  auto* p = t.data<std::uint16_t>();
  for (int z = 0; z < 3; ++z)
    for (int c = 0; c < 2; ++c)
      for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 5; ++x) p[((z * 2 + c) * 4 + y) * 5 + x] = static_cast<std::uint16_t>(1000 * z + 100 * c + 10 * y + x);
  const auto file = dir / "stack.tif";
  io::write_image({t, std::nullopt}, file);
  const nlohmann::json plane = image_plane(file, {{'z', 2}, {'c', 1}});
  EXPECT_EQ(plane["width"], 5);
  EXPECT_EQ(plane["height"], 4);
  EXPECT_EQ(plane["axes"], "zcyx");
  const std::vector<float> v = decoded(plane["data"]);
  ASSERT_EQ(v.size(), 20u);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 5; ++x) EXPECT_EQ(v[y * 5 + x], 2100 + 10 * y + x);
  EXPECT_EQ(plane["min"], 2100);
  EXPECT_EQ(plane["max"], 2134);
  EXPECT_THROW(image_plane(file, {{'z', 3}}), Error);   // outside 0..2
  EXPECT_THROW(image_plane(file, {{'t', 1}}), Error);   // no t axis
  EXPECT_NO_THROW(image_plane(file, {{'t', 0}}));
}

TEST(ImagePlane, AnXyFileIsShownAsRowsOfX) {
  testing::TempDir dir;
  Tensor t(DType::f32, {3, 2}, "xy");  // x=3, y=2
  for (int x = 0; x < 3; ++x)
    for (int y = 0; y < 2; ++y) t.data<float>()[x * 2 + y] = static_cast<float>(10 * y + x);
  const auto tif = dir / "xy.tif";
  io::write_image({t, std::nullopt}, tif);
  const nlohmann::json plane = image_plane(tif, {});
  const std::vector<float> v = decoded(plane["data"]);
  ASSERT_EQ(v.size(), 6u);
  const int w = plane["width"], h = plane["height"];
  ASSERT_EQ(w * h, 6);
  // Row-major y then x, whatever order the file stored.
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) EXPECT_EQ(v[y * w + x], 10 * y + x);
}

}  // namespace
}  // namespace deepimage::server
