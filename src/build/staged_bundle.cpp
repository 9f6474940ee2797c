#include "build/staged_bundle.hpp"

#include <signal.h>
#include <unistd.h>
#include <zip.h>

#include <cerrno>

#include <algorithm>
#include <fstream>
#include <vector>

#include "deepimage/error.hpp"
#include "io/temp_file.hpp"

namespace deepimage::build {
namespace {

namespace fs = std::filesystem;

void write_zip(const fs::path& folder, const fs::path& zip_path) {
  int err = 0;
  zip_t* z = zip_open(zip_path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z) throw Error(ErrorCode::io, "cannot create \"" + zip_path.string() + "\" (libzip error " + std::to_string(err) + ")");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(folder)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());  // the same bundle zips to the same entry order
  for (const std::string& name : names) {
    zip_source_t* source = zip_source_file(z, (folder / name).c_str(), 0, -1);
    if (!source || zip_file_add(z, name.c_str(), source, ZIP_FL_ENC_UTF_8) < 0) {
      if (source) zip_source_free(source);
      const std::string message = zip_strerror(z);
      zip_discard(z);
      throw Error(ErrorCode::io, "cannot add \"" + name + "\" to \"" + zip_path.string() + "\": " + message);
    }
  }
  if (zip_close(z) != 0) {
    const std::string message = zip_strerror(z);
    zip_discard(z);
    throw Error(ErrorCode::io, "cannot write \"" + zip_path.string() + "\": " + message);
  }
}

}  // namespace

StagedBundle::StagedBundle(fs::path target, bool overwrite) : target_(std::move(target)), overwrite_(overwrite) {
  // "out/" names the folder "out"
  if (target_.filename().empty()) target_ = target_.parent_path();
  zip_ = target_.extension() == ".zip";
  std::error_code ec;
  if (fs::exists(fs::symlink_status(target_, ec)) && !overwrite_)
    throw Error(ErrorCode::invalid_argument, "output \"" + target_.string() + "\" exists; expected a new path, or --overwrite to replace it");
  io::check_output_folder(target_);
  // A folder of its own name even for a zip, whose temporary file is claimed at commit. claim_temp_path
  // removes files only: staging folders of builds that were killed go here.
  const fs::path files = target_.parent_path() / (target_.filename().string() + ".files");
  const fs::path parent = target_.parent_path().empty() ? fs::path(".") : target_.parent_path();
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const auto owner = io::temp_file_owner(files, it->path());
    if (owner && *owner != ::getpid() && ::kill(*owner, 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove_all(it->path(), ignored);
    }
  }
  folder_ = io::temp_path_for(files);
  fs::remove_all(folder_, ec);
  fs::create_directory(folder_);
}

StagedBundle::~StagedBundle() {
  std::error_code ec;
  fs::remove_all(folder_, ec);
}

void StagedBundle::write(const std::string& name, const std::string& bytes) {
  std::ofstream out(folder_ / name, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) throw Error(ErrorCode::io, "cannot write \"" + name + "\" of the bundle in \"" + folder_.string() + "\"");
}

void StagedBundle::copy_in(const std::string& name, const fs::path& file) {
  fs::copy_file(file, folder_ / name, fs::copy_options::overwrite_existing);
}

void StagedBundle::commit() {
  std::error_code ec;
  if (zip_) {
    const fs::path temp = io::claim_temp_path(target_);
    try {
      write_zip(folder_, temp);
      if (overwrite_) fs::remove_all(target_, ec);
      fs::rename(temp, target_);
    } catch (...) {
      fs::remove(temp, ec);
      throw;
    }
    fs::remove_all(folder_, ec);
  } else {
    if (overwrite_) fs::remove_all(target_, ec);
    fs::rename(folder_, target_);
  }
  committed_ = true;
}

}  // namespace deepimage::build
