// A bundle being written: files go into a hidden temporary folder beside the target, and only
// commit() makes the target appear, renamed (a folder) or zipped to a temporary file and renamed (a
// .zip). Destroyed without commit, it removes what it wrote, so a failed build leaves nothing.
//
//   StagedBundle b("out/model.zip", false);      // throws if out/model.zip exists
//   b.write("rdf.yaml", text);  b.copy_in("weights.pt", "/path/w.pt");
//   b.commit();                                   // out/model.zip
#pragma once

#include <filesystem>
#include <string>

namespace deepimage::build {

class StagedBundle {
 public:
  // Refuses an existing target unless `overwrite`, and a target whose folder does not exist.
  StagedBundle(std::filesystem::path target, bool overwrite);
  ~StagedBundle();
  StagedBundle(const StagedBundle&) = delete;
  StagedBundle& operator=(const StagedBundle&) = delete;

  const std::filesystem::path& folder() const { return folder_; }  // the files so far
  bool is_zip() const { return zip_; }
  void write(const std::string& name, const std::string& bytes);
  void copy_in(const std::string& name, const std::filesystem::path& file);
  // Moves the files into place (replacing an existing target when `overwrite` was given).
  void commit();

 private:
  std::filesystem::path target_, folder_;
  bool zip_ = false, overwrite_ = false, committed_ = false;
};

}  // namespace deepimage::build
