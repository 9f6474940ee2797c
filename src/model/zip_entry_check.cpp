#include "model/zip_entry_check.hpp"

#include <algorithm>

#include "deepimage/error.hpp"
#include "model/bundle.hpp"

namespace deepimage::model {

void entry_too_large(const std::string& shown, std::uint64_t size, std::uint64_t max_bytes) {
  const char* limit = max_bytes == kMaxTextEntryBytes ? "a model description" : "a bundle entry";
  throw Error(ErrorCode::bad_model, shown + " is " + std::to_string(size) + " bytes, more than the " +
                                        std::to_string(max_bytes) + " allowed for " + limit);
}

void check_zip_entry(const zip_stat_t& st, const std::string& shown, std::uint64_t max_bytes, std::uint64_t zip_bytes,
                     const std::string& if_encrypted) {
  if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE))
    throw Error(ErrorCode::bad_model, shown + " does not declare its size");
  if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
    throw Error(ErrorCode::unsupported, shown + " is encrypted; bundles are read without a password (" + if_encrypted + ")");
  if (st.size > max_bytes) entry_too_large(shown, st.size, max_bytes);
  if (st.comp_size > zip_bytes)
    throw Error(ErrorCode::bad_model, shown + " claims " + std::to_string(st.comp_size) + " compressed bytes but the zip holds " +
                                          std::to_string(zip_bytes));
  // Weights compress about 1.1 times and zip bombs about 1000; small entries (rdf.yaml, text) may
  // compress well and cost little, so only large ones are held to the ratio.
  if (st.size > kRatioCheckBytes && st.size / kMaxCompressionRatio > st.comp_size)
    throw Error(ErrorCode::bad_model, shown + " expands " + std::to_string(st.comp_size) + " bytes to " +
                                          std::to_string(st.size) + " (more than " + std::to_string(kMaxCompressionRatio) +
                                          " times: a zip bomb?)");
}

std::vector<std::byte> read_zip_entry(zip_t* archive, zip_uint64_t index, const zip_stat_t& st, const std::string& shown) {
  zip_file_t* f = zip_fopen_index(archive, index, 0);
  if (!f) throw Error(ErrorCode::io, "cannot read " + shown + ": " + zip_strerror(archive));
  std::vector<std::byte> bytes;
  bytes.reserve(st.size + 1);  // bounded by check_zip_entry
  constexpr zip_uint64_t kChunk = zip_uint64_t{4} << 20;
  zip_int64_t got = 0;
  do {  // one byte more than declared is asked for, to notice data beyond the declared size
    const zip_uint64_t want = std::min<zip_uint64_t>(kChunk, st.size + 1 - bytes.size());
    const std::size_t at = bytes.size();
    bytes.resize(at + want);
    got = zip_fread(f, bytes.data() + at, want);
    bytes.resize(at + static_cast<std::size_t>(std::max<zip_int64_t>(got, 0)));
  } while (got > 0 && bytes.size() <= st.size);
  const std::string zip_error = got < 0 ? zip_error_strerror(zip_file_get_error(f)) : "";
  zip_fclose(f);
  if (got < 0) throw Error(ErrorCode::io, "cannot decompress " + shown + ": " + zip_error);
  if (bytes.size() > st.size)
    throw Error(ErrorCode::bad_model, shown + " holds more than the " + std::to_string(st.size) + " bytes it declares");
  if (bytes.size() < st.size)
    throw Error(ErrorCode::io, shown + " is truncated: it declares " + std::to_string(st.size) + " bytes but holds " +
                                   std::to_string(bytes.size()));
  return bytes;
}

}  // namespace deepimage::model
