#include "model/zip_entry_check.hpp"

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

}  // namespace deepimage::model
