// Bundle — the files of one model: a folder, a .zip, or the folder of a given rdf file.
//
//   Bundle b = Bundle::open("unet2d_nuclei_broad.zip");   // or a folder, or ".../rdf.yaml"
//   std::string yaml = b.read_text(b.rdf_name());
//   std::vector<std::byte> weights = b.read("weights.pt");
//
// Entries are read in place: a zip is never unpacked to disk, and names with ".." or an absolute
// path are refused, so a hostile bundle cannot reach outside itself.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace deepimage::model {

class Bundle {
 public:
  // `path`: a folder holding an rdf, a .zip holding one, or the rdf file itself. The rdf is found by
  // name, in this order: rdf.yaml, bioimageio.yaml, *.bioimageio.yaml, model.yaml, *.model.yaml.
  static Bundle open(const std::filesystem::path& path);

  const std::filesystem::path& location() const { return location_; }  // what the user gave
  const std::string& rdf_name() const { return rdf_name_; }             // entry name of the rdf
  bool is_zip() const;

  bool contains(const std::string& name) const;
  std::vector<std::byte> read(const std::string& name) const;  // throws not_found / io
  std::string read_text(const std::string& name) const;
  // lower-case hex sha256 of an entry
  std::string sha256(const std::string& name) const;

  class Storage;  // folder or zip, in bundle.cpp

 private:
  std::filesystem::path location_;
  std::string rdf_name_;
  std::shared_ptr<const Storage> storage_;
};

// lower-case hex sha256 of a byte buffer (OpenSSL)
std::string sha256_hex(const std::vector<std::byte>& bytes);

}  // namespace deepimage::model
