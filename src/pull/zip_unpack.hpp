// Unpacking a bundle .zip into a folder, refusing anything that could reach outside the folder or
// flood the disk. Every entry is checked before the first byte is written:
// - names with ".." or an absolute path (model::normalised_entry), or a "\" (a Windows separator that
//   other tools would follow);
// - symbolic links and other special files (their Unix mode in the entry's external attributes);
// - encrypted entries (a bundle is unpacked without a password);
// - more than kMaxZipEntries entries, more than kMaxUnpackedBytes in all; an entry over
//   model::kMaxEntryBytes, or one over model::kRatioCheckBytes expanding more than
//   model::kMaxCompressionRatio times (a zip bomb), the limits `Bundle` reads zips with.
// While writing, each entry must decompress to exactly the size it declared, so the declared sizes
// checked above are the sizes written.
//
//   std::size_t files = pull::unpack_zip("model.zip", temp_folder);
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace deepimage::pull {

inline constexpr std::uint64_t kMaxZipEntries = 10000;                         // bundles hold tens
inline constexpr std::uint64_t kMaxUnpackedBytes = std::uint64_t{16} << 30;    // 16 GiB

// Unpacks `zip` into the existing, empty `folder` and returns the number of files written. When
// every entry sits under one top-level folder ("unet/rdf.yaml", ...), that folder's content is
// unpacked, as `Bundle` reads such zips. Throws bad_model for a refused zip, io when it cannot be
// read or written; what was written by then stays in `folder` for the caller to remove. Errors name
// the zip as `shown` (the URL it came from), else by its path.
std::size_t unpack_zip(const std::filesystem::path& zip, const std::filesystem::path& folder, const std::string& shown = "");

}  // namespace deepimage::pull
