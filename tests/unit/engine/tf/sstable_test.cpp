// read_sstable on tables written by the test (sstable_writer.hpp) and on the real variables.index files
// of ../shared/realdata (snappy and uncompressed), and its refusals of broken ones.
#include "engine/tf/sstable.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "deepimage/error.hpp"
#include "engine/tf/crc32c.hpp"
#include "support/cli.hpp"
#include "unit/engine/tf/sstable_writer.hpp"

namespace deepimage::testing {
namespace {

using engine::tf::read_sstable;
using engine::tf::SstableEntry;
using Pairs = std::vector<std::pair<std::string, std::string>>;

std::span<const std::byte> bytes_of(const std::string& s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }

Pairs pairs_of(const std::vector<SstableEntry>& entries) {
  Pairs out;
  for (const auto& e : entries) out.emplace_back(e.key, e.value);
  return out;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line: " << e.what();
    return e.what();
  }
  return "";
}

// Keys sharing long prefixes, as tensor names do, plus the empty key (the bundle header) first.
Pairs sample_pairs(int count) {
  Pairs pairs{{"", "header"}};
  for (int i = 0; i < count; ++i) {
    char key[64];
    std::snprintf(key, sizeof key, "model/layer_%03d/%s", i / 2, i % 2 ? "kernel" : "bias");
    pairs.emplace_back(key, std::string(static_cast<std::size_t>(i % 7), static_cast<char>('a' + i % 26)));
  }
  return pairs;
}

TEST(Crc32c, KnownValueAndMask) {
  const std::string digits = "123456789";
  EXPECT_EQ(engine::tf::crc32c(bytes_of(digits)), 0xe3069283u);  // the CRC-32C check value
  EXPECT_EQ(engine::tf::crc32c(bytes_of(digits.substr(4)), engine::tf::crc32c(bytes_of(digits.substr(0, 4)))), 0xe3069283u);
  EXPECT_EQ(engine::tf::unmask_crc32c(engine::tf::mask_crc32c(0x12345678u)), 0x12345678u);
  EXPECT_NE(engine::tf::mask_crc32c(0x12345678u), 0x12345678u);
}

TEST(Sstable, RoundTripsOverBlocksRestartsAndSnappy) {
  const Pairs pairs = sample_pairs(300);
  for (const int interval : {1, 2, 16})
    for (const std::size_t block : {std::size_t{40}, std::size_t{4096}})
      for (const bool snappy : {false, true}) {
        const std::string table = write_table(pairs, {interval, block, snappy});
        EXPECT_EQ(pairs_of(read_sstable(bytes_of(table), "t")), pairs)
            << "restart interval " << interval << ", block bytes " << block << ", snappy " << snappy;
      }
}

TEST(Sstable, ReadsAnEmptyTable) {
  EXPECT_TRUE(read_sstable(bytes_of(write_table({})), "t").empty());
}

TEST(Sstable, ReadsTheRealIndexes) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto serving = realdata() / "tf_serving_half_plus_two";
  // half_plus_two (TF 1.14) wrote its data block snappy-compressed, half_plus_three did not.
  for (const char* model : {"saved_model_half_plus_two_cpu", "saved_model_half_plus_three"}) {
    const std::string index = slurp(serving / model / "00000123/variables/variables.index");
    const auto entries = read_sstable(bytes_of(index), model);
    ASSERT_GE(entries.size(), 3u) << model;  // a and b, and c (and a2, c2) for the other signatures
    EXPECT_EQ(entries[0].key, "");
    EXPECT_EQ(entries[1].key, "a");
    EXPECT_TRUE(std::any_of(entries.begin(), entries.end(), [](const SstableEntry& e) { return e.key == "b"; })) << model;
  }
  const std::string defcon = slurp(realdata() / "defcon_imagej_savedmodel/tf_density_count/variables/variables.index");
  const auto entries = read_sstable(bytes_of(defcon), "defcon");
  // 41 tensors (the served model's 30 and an older copy's) after the header, in key order.
  ASSERT_EQ(entries.size(), 42u);
  EXPECT_EQ(entries[1].key, "conv_1/bias");
  EXPECT_EQ(entries[22].key, "conv_seg_1/kernel");
  EXPECT_EQ(entries[40].key, "density_output/kernel");
  EXPECT_EQ(entries[41].key, "seg/kernel");
}

TEST(Sstable, RefusesBrokenTablesWithOneLineNamingTheFile) {
  const std::string table = write_table(sample_pairs(40), {2, 64, false});
  const std::string shown = "\"variables/variables.index\" in \"m.zip\"";
  auto read = [&](const std::string& bytes) { return error_of([&] { read_sstable(bytes_of(bytes), shown); }); };

  EXPECT_NE(read(table.substr(0, 20)).find("fewer than a table footer's 48"), std::string::npos);
  EXPECT_NE(read(table.substr(0, table.size() - 1)).find("magic"), std::string::npos);  // truncated
  std::string bad_magic = table;
  bad_magic.back() ^= 1;
  EXPECT_NE(read(bad_magic).find("magic"), std::string::npos);
  EXPECT_NE(read(bad_magic).find(shown), std::string::npos);

  std::string flipped = table;
  flipped[10] ^= 0x40;  // inside the first data block
  EXPECT_NE(read(flipped).find("crc32c does not match"), std::string::npos);

  // A block past the end: the index handle's offset made large (footer starts at size - 48).
  std::string past = table.substr(0, table.size() - 48) + std::string(48, '\0');
  std::string footer;
  put_varint(footer, 0);
  put_varint(footer, 0);
  put_varint(footer, 1u << 20);
  put_varint(footer, 10);
  footer = footer_of(footer);
  past.replace(past.size() - 48, 48, footer);
  EXPECT_NE(read(past).find("runs past the end of the file"), std::string::npos);

  for (const auto& message : {read(table.substr(0, 20)), read(bad_magic), read(flipped), read(past)})
    EXPECT_NE(message.find(shown), std::string::npos) << message;
}

TEST(Sstable, RefusesUnknownCompressionAndBadEntries) {
  // One data block stored with compression type 7 (its crc correct), so only the type is wrong.
  BlockBuilder block(1);
  block.add("a", "1");
  std::string file;
  BlockBuilder index(1);
  index.add("a", append_block(file, block.finish(), false, 7));
  BlockBuilder meta(1);
  std::string footer = append_block(file, meta.finish(), false);
  footer += append_block(file, index.finish(), false);
  footer = footer_of(footer);
  EXPECT_NE(error_of([&] { read_sstable(bytes_of(file + footer), "t"); }).find("compression type is 7"), std::string::npos);

  // Keys out of order (the writer does not sort) and an entry sharing more than the previous key has.
  const std::string unsorted = write_table({{"b", "1"}, {"a", "2"}});
  EXPECT_NE(error_of([&] { read_sstable(bytes_of(unsorted), "t"); }).find("does not sort after"), std::string::npos);
  std::string raw;
  put_varint(raw, 3);  // shares 3 bytes with no previous key
  put_varint(raw, 1);
  put_varint(raw, 0);
  raw += "x";
  put_fixed32(raw, 0);
  put_fixed32(raw, 1);
  std::string file2;
  BlockBuilder index2(1);
  index2.add("x", append_block(file2, raw, false));
  std::string footer2 = append_block(file2, BlockBuilder(1).finish(), false);
  footer2 += append_block(file2, index2.finish(), false);
  footer2 = footer_of(footer2);
  EXPECT_NE(error_of([&] { read_sstable(bytes_of(file2 + footer2), "t"); }).find("shares 3 bytes"), std::string::npos);
}

}  // namespace
}  // namespace deepimage::testing
