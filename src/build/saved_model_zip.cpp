#include "build/saved_model_zip.hpp"

#include <zip.h>

#include <algorithm>
#include <string>
#include <vector>

#include "deepimage/error.hpp"
#include "model/bundle.hpp"

namespace deepimage::build {
namespace {

bool is_saved_model_part(const std::string& name) {
  return name == "saved_model.pb" || name == "fingerprint.pb" || name.starts_with("variables/") || name.starts_with("assets/") ||
         name.starts_with("assets.extra/");
}

// Closes (or discards) the archive on every path out.
struct ZipWriter {
  zip_t* z = nullptr;
  ~ZipWriter() {
    if (z) zip_discard(z);
  }
};

}  // namespace

void write_saved_model_zip(const std::filesystem::path& saved_model, const std::filesystem::path& zip_path) {
  const model::Bundle files = model::Bundle::open_files(saved_model);
  std::vector<std::string> names = files.entry_names();
  std::erase_if(names, [](const std::string& n) { return !is_saved_model_part(n); });
  std::sort(names.begin(), names.end());
  // libzip reads the buffers at zip_close: they live until then.
  std::vector<std::vector<std::byte>> contents;
  contents.reserve(names.size());
  int err = 0;
  ZipWriter out{zip_open(zip_path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err)};
  if (!out.z) throw Error(ErrorCode::io, "cannot create \"" + zip_path.string() + "\" (libzip error " + std::to_string(err) + ")");
  for (const std::string& name : names) {
    contents.push_back(files.read(name));
    zip_source_t* source = zip_source_buffer(out.z, contents.back().data(), contents.back().size(), 0);
    if (!source || zip_file_add(out.z, name.c_str(), source, ZIP_FL_ENC_UTF_8) < 0) {
      if (source) zip_source_free(source);
      throw Error(ErrorCode::io, "cannot add \"" + name + "\" to \"" + zip_path.string() + "\": " + zip_strerror(out.z));
    }
  }
  if (zip_close(out.z) != 0) throw Error(ErrorCode::io, "cannot write \"" + zip_path.string() + "\": " + zip_strerror(out.z));
  out.z = nullptr;
}

}  // namespace deepimage::build
