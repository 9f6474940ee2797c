// The checks of one zip entry that need no decompression, made before a byte of it is allocated or
// written, and the read of it into memory. Bundle (reading a .zip in place), the TF weights zip and
// pull (unpacking one to disk, check only) all use them, so a hostile zip meets the same limits
// (model/bundle.hpp) everywhere:
//
//   zip_stat_t st;  zip_stat_index(archive, index, 0, &st);
//   model::check_zip_entry(st, "\"weights.pt\" in \"m.zip\"", model::kMaxEntryBytes, zip_file_bytes,
//                          "unzip it with yours and give the folder");
//   std::vector<std::byte> bytes = model::read_zip_entry(archive, index, st, "\"weights.pt\" in \"m.zip\"");
//
// Refused, each as an Error naming `shown`: an entry that does not declare its sizes; an encrypted one
// (`if_encrypted` says what the user can do instead); one over `max_bytes`; one claiming more
// compressed bytes than the whole zip holds; one over kRatioCheckBytes expanding more than
// kMaxCompressionRatio times (a zip bomb). The data must still be checked against the declared size
// while it is decompressed: a zip can lie about it.
#pragma once

#include <zip.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace deepimage::model {

void check_zip_entry(const zip_stat_t& st, const std::string& shown, std::uint64_t max_bytes, std::uint64_t zip_bytes,
                     const std::string& if_encrypted);

// `shown` is N bytes, more than the M allowed for a bundle entry (or for a model description, when
// max_bytes is kMaxTextEntryBytes). For a file in a folder bundle too.
// The entry whole, after check_zip_entry: exactly the st.size bytes it declares, read in chunks, or an
// Error naming `shown` when it holds more (bad_model) or fewer (io: truncated), or does not decompress.
std::vector<std::byte> read_zip_entry(zip_t* archive, zip_uint64_t index, const zip_stat_t& st, const std::string& shown);

[[noreturn]] void entry_too_large(const std::string& shown, std::uint64_t size, std::uint64_t max_bytes);

}  // namespace deepimage::model
