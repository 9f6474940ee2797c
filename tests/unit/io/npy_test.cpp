#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "io/npy.hpp"
#include "io_test_support.hpp"

namespace deepimage::io {
namespace {

using testing::fixture;
using testing::same_values;
using testing::throws_error;

// A .npy file assembled by hand from the format description, independent of numpy and of our writer.
std::vector<std::byte> hand_npy(int version, const std::string& dict, const std::vector<std::uint8_t>& data) {
  std::string header = dict;
  const std::size_t prefix = version == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 16 != 0) header += ' ';
  header += '\n';
  std::string file = std::string("\x93NUMPY", 6) + static_cast<char>(version) + '\0';
  const auto n = header.size();
  file += static_cast<char>(n & 0xff);
  file += static_cast<char>((n >> 8) & 0xff);
  if (version != 1) file += std::string(2, '\0');
  file += header;
  std::vector<std::byte> bytes(file.size() + data.size());
  std::memcpy(bytes.data(), file.data(), file.size());
  if (!data.empty()) std::memcpy(bytes.data() + file.size(), data.data(), data.size());  // empty: null data()
  return bytes;
}

TEST(Npy, ReadsHandWrittenBigEndianFortranInt16) {
  // [[1, 2, 3], [4, 5, 6]] stored column by column, each value big endian.
  const auto bytes = hand_npy(1, "{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3), }",
                              {0, 1, 0, 4, 0, 2, 0, 5, 0, 3, 0, 6});
  const Tensor t = read_npy_bytes(bytes, "hand.npy");
  ASSERT_EQ(t.dtype(), DType::i16);
  ASSERT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_TRUE(t.axes().empty());
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t.data<std::int16_t>()[i], i + 1);
}

TEST(Npy, ReadsHandWrittenVersion2LittleEndianUint32) {
  const auto bytes = hand_npy(2, "{'descr': '<u4', 'fortran_order': False, 'shape': (2,), }",
                              {0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xff});
  const Tensor t = read_npy_bytes(bytes, "hand.npy");
  ASSERT_EQ(t.shape(), (Shape{2}));
  EXPECT_EQ(t.data<std::uint32_t>()[0], 0x04030201u);
  EXPECT_EQ(t.data<std::uint32_t>()[1], 0xffffffffu);
}

TEST(Npy, ReadsHandWrittenFortran3d) {
  // shape (2, 2, 2), value at (i, j, k) = 100 i + 10 j + k; Fortran order runs i fastest.
  std::vector<std::uint8_t> data;
  for (int k = 0; k < 2; ++k)
    for (int j = 0; j < 2; ++j)
      for (int i = 0; i < 2; ++i) data.push_back(static_cast<std::uint8_t>(100 * i + 10 * j + k));
  const Tensor t = read_npy_bytes(hand_npy(3, "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 2, 2), }", data),
                                  "hand.npy");
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k) EXPECT_EQ(t.data<std::uint8_t>()[(i * 2 + j) * 2 + k], 100 * i + 10 * j + k);
}

TEST(Npy, AllHeaderVersionsAndOrdersOfOneArrayAgree) {
  const Tensor v1 = read_npy(fixture("npy_v1_f4_3x4x5.npy"));
  ASSERT_EQ(v1.dtype(), DType::f32);
  ASSERT_EQ(v1.shape(), (Shape{3, 4, 5}));
  EXPECT_TRUE(same_values(read_npy(fixture("npy_v2_f4_3x4x5.npy")), v1));
  EXPECT_TRUE(same_values(read_npy(fixture("npy_v3_f4_3x4x5.npy")), v1));
  EXPECT_TRUE(same_values(read_npy(fixture("npy_fortran_f4_3x4x5.npy")), v1));
  // float32 -> float64 is exact, so the big-endian float64 copy converts back to the same floats.
  const Tensor be = read_npy(fixture("npy_bigendian_f8_3x4x5.npy"));
  ASSERT_EQ(be.dtype(), DType::f64);
  EXPECT_TRUE(same_values(be.converted(DType::f32), v1));
}

TEST(Npy, ReadsEveryDtype) {
  const std::pair<const char*, DType> cases[] = {
      {"uint8", DType::u8},   {"int8", DType::i8},   {"uint16", DType::u16}, {"int16", DType::i16},
      {"uint32", DType::u32}, {"int32", DType::i32}, {"uint64", DType::u64}, {"int64", DType::i64},
      {"float64", DType::f64}};
  for (const auto& [name, dtype] : cases) {
    const Tensor t = read_npy(fixture(std::string("npy_") + name + "_4x3.npy"));
    EXPECT_EQ(t.dtype(), dtype) << name;
    EXPECT_EQ(t.shape(), (Shape{4, 3})) << name;
    // Our writer + reader must give the same bytes back (no swap or reorder for native C order).
    EXPECT_TRUE(same_values(read_npy_bytes(npy_bytes(t), "again.npy"), t)) << name;
  }
}

TEST(Npy, BigEndianIntegersMatchTheirValues) {
  // Values are checked against the file's raw bytes decoded by hand as big endian.
  const Tensor i4 = read_npy(fixture("npy_bigendian_i4_6x7.npy"));
  ASSERT_EQ(i4.dtype(), DType::i32);
  ASSERT_EQ(i4.shape(), (Shape{6, 7}));
  // Raw last value from the file, decoded by hand as big endian.
  const auto raw = [](const std::filesystem::path& p, std::size_t from_end, std::size_t n) {
    std::ifstream in(p, std::ios::binary);
    in.seekg(-static_cast<std::streamoff>(from_end), std::ios::end);
    std::vector<unsigned char> b(n);
    in.read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(n));
    return b;
  };
  const auto last = raw(fixture("npy_bigendian_i4_6x7.npy"), 4, 4);
  const auto expected = static_cast<std::int32_t>(static_cast<std::uint32_t>(last[0]) << 24 | last[1] << 16 |
                                                  last[2] << 8 | last[3]);
  EXPECT_EQ(i4.data<std::int32_t>()[41], expected);

  // Fortran + big endian: the last stored value is element (5, 6), which C order also puts last.
  const Tensor u2 = read_npy(fixture("npy_bigendian_u2_fortran_6x7.npy"));
  const auto last2 = raw(fixture("npy_bigendian_u2_fortran_6x7.npy"), 2, 2);
  EXPECT_EQ(u2.data<std::uint16_t>()[41], last2[0] << 8 | last2[1]);
  // The second stored value is element (1, 0): C index 7.
  std::ifstream in(fixture("npy_bigendian_u2_fortran_6x7.npy"), std::ios::binary);
  std::vector<unsigned char> all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t data_start = all.size() - 6 * 7 * 2;
  EXPECT_EQ(u2.data<std::uint16_t>()[7], all[data_start + 2] << 8 | all[data_start + 3]);
}

TEST(Npy, BoolScalarAndOneDimensional) {
  const Tensor b = read_npy(fixture("npy_bool_5x6.npy"));
  ASSERT_EQ(b.dtype(), DType::boolean);
  ASSERT_EQ(b.shape(), (Shape{5, 6}));
  int ones = 0;
  for (int i = 0; i < 30; ++i) {
    const auto v = std::to_integer<int>(b.bytes()[i]);
    EXPECT_TRUE(v == 0 || v == 1);
    ones += v;
  }
  EXPECT_GT(ones, 0);
  EXPECT_LT(ones, 30);

  const Tensor s = read_npy(fixture("npy_scalar_f8.npy"));
  EXPECT_TRUE(s.shape().empty());
  EXPECT_EQ(s.data<double>()[0], 2.5);  // written as np.array(2.5)

  const Tensor v = read_npy(fixture("npy_1d_i2_7.npy"));
  EXPECT_EQ(v.shape(), (Shape{7}));
}

TEST(Npy, WritesVersion1LittleEndianCOrderAlignedTo64) {
  Tensor t(DType::u16, {2, 3});
  for (int i = 0; i < 6; ++i) t.data<std::uint16_t>()[i] = static_cast<std::uint16_t>(0x0102 * (i + 1));
  const auto bytes = npy_bytes(t);
  const std::string head(reinterpret_cast<const char*>(bytes.data()), bytes.size() - 12);
  EXPECT_EQ(head.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_NE(head.find("{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3), }"), std::string::npos);
  EXPECT_EQ(head.size() % 64, 0u);
  EXPECT_EQ(head.back(), '\n');
  EXPECT_EQ(std::to_integer<int>(bytes[head.size()]), 0x02);  // low byte first
  EXPECT_EQ(std::to_integer<int>(bytes[head.size() + 1]), 0x01);

  Tensor one(DType::f64, {4});
  const auto b1 = npy_bytes(one);
  EXPECT_NE(std::string(reinterpret_cast<const char*>(b1.data()), 80).find("'shape': (4,)"), std::string::npos);
}

TEST(Npy, RejectsBrokenFiles) {
  using C = ErrorCode;
  const auto read = [](const char* name) { return [name] { read_npy(fixture(name)); }; };
  EXPECT_TRUE(throws_error(read("broken_npy_bad_magic.npy"), C::io, "broken_npy_bad_magic.npy\" is not a valid .npy"));
  EXPECT_TRUE(throws_error(read("broken_npy_truncated.npy"), C::io, "truncated"));
  EXPECT_TRUE(throws_error(read("broken_npy_extra_data.npy"), C::io, "holds 16 float32 values but 80 bytes"));
  EXPECT_TRUE(throws_error(read("broken_npy_malformed_header.npy"), C::io, "malformed header"));
  EXPECT_TRUE(throws_error(read("broken_npy_complex64.npy"), C::unsupported, "'<c8'"));
  EXPECT_TRUE(throws_error(read("broken_npy_float16.npy"), C::unsupported, "'<f2'"));
  EXPECT_TRUE(throws_error(read("broken_npy_object.npy"), C::unsupported, "'|O'"));
  EXPECT_TRUE(throws_error([] { read_npy(fixture("no_such_file.npy")); }, C::io, "no_such_file.npy"));
  const std::vector<std::byte> tiny(3);
  EXPECT_TRUE(throws_error([&] { read_npy_bytes(tiny, "tiny.npy"); }, C::io, "\"tiny.npy\""));
  const auto v9 = hand_npy(9, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", {0, 0, 0, 0});
  EXPECT_TRUE(throws_error([&] { read_npy_bytes(v9, "v9.npy"); }, C::io, "version 9"));
  const auto no_shape = hand_npy(1, "{'descr': '<f4', 'fortran_order': False, }", {0, 0, 0, 0});
  EXPECT_TRUE(throws_error([&] { read_npy_bytes(no_shape, "ns.npy"); }, C::io, "'shape'"));
}

// Shapes whose size wraps around in 64 bits: (2^52 + 1) * 64 * 64 * 4 bytes is 16 KB modulo 2^64, and
// 2^32 * 2^32 is 0, so without checked arithmetic both pass the data-size check.
TEST(Npy, RejectsShapesWhoseSizeOverflows) {
  using C = ErrorCode;
  const auto wraps_to_16k =
      hand_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4503599627370497, 64, 64), }",
               std::vector<std::uint8_t>(16384));
  EXPECT_TRUE(throws_error([&] { read_npy_bytes(wraps_to_16k, "wrap.npy"); }, C::io,
                           "\"wrap.npy\" is not a valid .npy file: the header's shape (4503599627370497, 64, 64) of "
                           "float32 needs more than 2^63 bytes"));
  const auto wraps_to_0 = hand_npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", {});
  EXPECT_TRUE(throws_error([&] { read_npy_bytes(wraps_to_0, "zero.npy"); }, C::io, "(4294967296, 4294967296)"));
  // The largest shape that does not overflow is still checked against the data that follows.
  const auto huge = hand_npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2147483648, 2147483648), }", {});
  EXPECT_TRUE(throws_error([&] { read_npy_bytes(huge, "huge.npy"); }, C::io, "truncated"));
}

TEST(Npy, WriteThenReadEveryDtype) {
  testing::ScratchDir dir;
  for (DType d : {DType::boolean, DType::u8, DType::i8, DType::u16, DType::i16, DType::u32, DType::i32, DType::u64,
                  DType::i64, DType::f32, DType::f64}) {
    Tensor t(d, {3, 2, 5});
    for (std::size_t i = 0; i < t.byte_count(); ++i)
      t.bytes()[i] = static_cast<std::byte>(d == DType::boolean ? i % 2 : (i * 37 + 11) % 256);
    const auto path = dir / (std::string(to_string(d)) + ".npy");
    write_npy(t, path);
    EXPECT_TRUE(same_values(read_npy(path), t)) << to_string(d);
  }
}

}  // namespace
}  // namespace deepimage::io
