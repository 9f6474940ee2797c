// check_zip_entry: each limit on a zip entry's declared sizes, on directory records made by hand.
#include "model/zip_entry_check.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>

#include "deepimage/error.hpp"
#include "model/bundle.hpp"

namespace {

using deepimage::Error;
using deepimage::ErrorCode;
using deepimage::model::check_zip_entry;
using deepimage::model::kMaxEntryBytes;
using deepimage::model::kMaxTextEntryBytes;

zip_stat_t record(std::uint64_t size, std::uint64_t comp_size) {
  zip_stat_t st;
  zip_stat_init(&st);
  st.valid = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_ENCRYPTION_METHOD;
  st.size = size;
  st.comp_size = comp_size;
  st.encryption_method = ZIP_EM_NONE;
  return st;
}

// The error check_zip_entry gives, "" when it accepts the entry.
std::pair<std::optional<ErrorCode>, std::string> verdict(const zip_stat_t& st, std::uint64_t max_bytes = kMaxEntryBytes,
                                          std::uint64_t zip_bytes = std::uint64_t{1} << 30) {
  try {
    check_zip_entry(st, "\"w.pt\" in \"m.zip\"", max_bytes, zip_bytes, "what to do");
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {std::nullopt, ""};
}

TEST(ZipEntryCheck, AcceptsWeightsThatCompressLittle) {
  EXPECT_EQ(verdict(record(500u << 20, 450u << 20)).second, "");
  // Small entries may compress far more than 100 times (a long rdf.yaml of repeated text).
  EXPECT_EQ(verdict(record(60u << 20, 1000)).second, "");
}

TEST(ZipEntryCheck, RefusesEachBrokenLimitNamingTheEntry) {
  zip_stat_t no_sizes = record(10, 10);
  no_sizes.valid = ZIP_STAT_SIZE;
  EXPECT_EQ(verdict(no_sizes).second, "\"w.pt\" in \"m.zip\" does not declare its size");

  zip_stat_t encrypted = record(10, 10);
  encrypted.encryption_method = ZIP_EM_TRAD_PKWARE;
  const auto [encrypted_code, encrypted_message] = verdict(encrypted);
  EXPECT_EQ(encrypted_code, ErrorCode::unsupported);
  EXPECT_EQ(encrypted_message, "\"w.pt\" in \"m.zip\" is encrypted; bundles are read without a password (what to do)");

  EXPECT_EQ(verdict(record(kMaxEntryBytes + 1, kMaxEntryBytes)).second,
            "\"w.pt\" in \"m.zip\" is 4294967297 bytes, more than the 4294967296 allowed for a bundle entry");
  EXPECT_EQ(verdict(record(kMaxTextEntryBytes + 1, kMaxTextEntryBytes), kMaxTextEntryBytes).second,
            "\"w.pt\" in \"m.zip\" is 16777217 bytes, more than the 16777216 allowed for a model description");
  EXPECT_EQ(verdict(record(2000, 2000), kMaxEntryBytes, 1500).second,
            "\"w.pt\" in \"m.zip\" claims 2000 compressed bytes but the zip holds 1500");
  // 100 MiB from 1 MiB is exactly 100 times: allowed; one byte less compressed is not.
  EXPECT_EQ(verdict(record(100u << 20, 1u << 20)).second, "");
  const auto [code, message] = verdict(record(100u << 20, (1u << 20) - 1));
  EXPECT_EQ(code, ErrorCode::bad_model);
  EXPECT_EQ(message, "\"w.pt\" in \"m.zip\" expands 1048575 bytes to 104857600 (more than 100 times: a zip bomb?)");
}

}  // namespace
