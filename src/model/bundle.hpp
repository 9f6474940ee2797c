// Bundle — the files of one model: a folder, a .zip, or the folder of a given rdf file.
//
//   Bundle b = Bundle::open("unet2d_nuclei_broad.zip");   // or a folder, or ".../rdf.yaml"
//   std::string yaml = b.read_text(b.rdf_name());
//   std::vector<std::byte> weights = b.read("weights.pt");
//
// Entries are read in place: a zip is never unpacked to disk, and names with ".." or an absolute
// path are refused, so a hostile bundle cannot reach outside itself; in a folder, neither can a
// symbolic link.
//
// Sizes are bounded before anything is allocated, so a small hostile file cannot cost gigabytes:
// the model description (read_text) at most kMaxTextEntryBytes, any other entry at most
// kMaxEntryBytes; a zip entry larger than kRatioCheckBytes may expand at most kMaxCompressionRatio
// times (zip bombs expand about 1000 times, weights about 1.1), must not claim more compressed bytes
// than the zip holds, and must decompress to exactly the size it declares. Encrypted entries are
// refused (bundles are read without a password).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace deepimage::model {

inline constexpr std::uint64_t kMaxTextEntryBytes = std::uint64_t{16} << 20;  // 16 MiB
inline constexpr std::uint64_t kMaxEntryBytes = std::uint64_t{4} << 30;       // 4 GiB
inline constexpr std::uint64_t kRatioCheckBytes = std::uint64_t{64} << 20;     // 64 MiB
inline constexpr std::uint64_t kMaxCompressionRatio = 100;

// The description of a legacy DeepImageJ bundle (model/deepimagej_config.hpp).
inline constexpr const char* kDeepImageJConfigName = "config.xml";

class Bundle {
 public:
  // `path`: a folder holding an rdf, a .zip holding one, or the rdf file itself. The rdf is found by
  // name, in this order: rdf.yaml, bioimageio.yaml, *.bioimageio.yaml, model.yaml, *.model.yaml; a
  // folder or zip with none of them but a config.xml is a legacy DeepImageJ bundle, whose rdf_name()
  // is "config.xml" (as when `path` names that file).
  static Bundle open(const std::filesystem::path& path);
  // The files of a folder or a .zip that has no model description (a bare weights file's folder, a
  // zipped SavedModel): rdf_name() is empty.
  static Bundle open_files(const std::filesystem::path& folder_or_zip);

  const std::filesystem::path& location() const { return location_; }  // what the user gave
  const std::string& rdf_name() const { return rdf_name_; }             // entry name of the rdf
  bool is_zip() const;

  bool contains(const std::string& name) const;
  std::vector<std::string> top_level_names() const;  // the files at the bundle's root
  // Every file of the bundle, sub-folders included ("variables/variables.index"), as read() names them.
  std::vector<std::string> entry_names() const;
  // Throws not_found / io, or bad_model when the entry is larger than `max_bytes` or breaks the
  // limits above.
  std::vector<std::byte> read(const std::string& name, std::uint64_t max_bytes = kMaxEntryBytes) const;
  std::string read_text(const std::string& name) const;  // at most kMaxTextEntryBytes
  // lower-case hex sha256 of an entry
  std::string sha256(const std::string& name) const;

  class Storage;  // folder or zip, in bundle.cpp

 private:
  std::filesystem::path location_;
  std::string rdf_name_;
  std::shared_ptr<const Storage> storage_;
};

// `name` as a plain relative entry name ("./weights.pt" -> "weights.pt"); bad_model, naming `bundle`,
// for an absolute name or one with "..": it could reach outside the bundle. (Also used by pull's unzip.)
std::string normalised_entry(const std::string& name, const std::string& bundle);

// lower-case hex sha256 of a byte buffer (OpenSSL)
std::string sha256_hex(const std::vector<std::byte>& bytes);

}  // namespace deepimage::model
