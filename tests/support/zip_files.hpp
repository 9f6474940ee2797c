// Zips for tests: built with libzip, and made hostile by rewriting the size an entry declares.
//
//   make_zip(dir / "m.zip", {{"rdf.yaml", yaml}, {"weights.pt", weights}});
//   make_zip(dir / "b.zip", entries_of(bundle_folder));
//   declare_size(dir / "m.zip", "rdf.yaml", 1u << 30);   // now claims 1 GiB
#pragma once

#include <gtest/gtest.h>
#include <zip.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "support/cli.hpp"

namespace deepimage::testing {

inline void make_zip(const std::filesystem::path& path, const std::vector<std::pair<std::string, std::string>>& entries) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(z, nullptr);
  std::vector<std::string> keep;  // libzip reads the buffers at close
  keep.reserve(entries.size());
  for (const auto& [name, content] : entries) {
    keep.push_back(content);
    zip_source_t* src = zip_source_buffer(z, keep.back().data(), keep.back().size(), 0);
    ASSERT_GE(zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8), 0) << name;
  }
  ASSERT_EQ(zip_close(z), 0);
}

// The files of `folder` as zip entries, each under `prefix` ("" or "name/"): a bundle folder to zip.
inline std::vector<std::pair<std::string, std::string>> entries_of(const std::filesystem::path& folder, const std::string& prefix = "") {
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& e : std::filesystem::directory_iterator(folder))
    if (e.is_regular_file()) entries.emplace_back(prefix + e.path().filename().string(), slurp(e.path()));
  return entries;
}

// Rewrites the uncompressed size that `entry` declares, in its local header and in the central
// directory (offsets from the zip specification, APPNOTE 4.3.7 and 4.3.12), as a hostile zip would.
inline void declare_size(const std::filesystem::path& zip, const std::string& entry, std::uint32_t size) {
  std::string bytes = slurp(zip);
  const auto u16 = [&](std::size_t at) {
    return std::size_t(std::uint8_t(bytes[at])) | std::size_t(std::uint8_t(bytes[at + 1])) << 8;
  };
  const auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  int patched = 0;
  for (std::size_t at = 0; at + 46 < bytes.size(); ++at) {
    if (bytes.compare(at, 4, "PK\x03\x04") == 0 && u16(at + 26) == entry.size() && bytes.compare(at + 30, entry.size(), entry) == 0)
      put32(at + 22, size), ++patched;
    if (bytes.compare(at, 4, "PK\x01\x02") == 0 && u16(at + 28) == entry.size() && bytes.compare(at + 46, entry.size(), entry) == 0)
      put32(at + 24, size), ++patched;
  }
  ASSERT_EQ(patched, 2) << entry;
  std::ofstream(zip, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace deepimage::testing
