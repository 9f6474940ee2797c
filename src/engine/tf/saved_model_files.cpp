#include "engine/tf/saved_model_files.hpp"

#include <zip.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "deepimage/error.hpp"
#include "model/bundle.hpp"
#include "model/zip_entry_check.hpp"

namespace deepimage::engine::tf {

class SavedModelFiles::Storage {
 public:
  virtual ~Storage() = default;
  virtual bool contains(const std::string& name) const = 0;
  virtual std::vector<std::byte> read(const std::string& name) const = 0;  // present: checked by the caller
};

namespace {

constexpr const char* kSavedModelPb = "saved_model.pb";

// A folder of the model's bundle ("" for its root).
class BundleFolder final : public SavedModelFiles::Storage {
 public:
  BundleFolder(const model::Bundle& bundle, std::string prefix) : bundle_(bundle), prefix_(std::move(prefix)) {}
  bool contains(const std::string& name) const override { return bundle_.contains(prefix_ + name); }
  std::vector<std::byte> read(const std::string& name) const override { return bundle_.read(prefix_ + name); }

 private:
  model::Bundle bundle_;
  std::string prefix_;
};

// A folder on disk; the names asked for are this library's own ("variables/variables.index").
class DiskFolder final : public SavedModelFiles::Storage {
 public:
  explicit DiskFolder(std::filesystem::path root) : root_(std::move(root)) {}
  bool contains(const std::string& name) const override { return std::filesystem::is_regular_file(root_ / name); }
  std::vector<std::byte> read(const std::string& name) const override {
    const std::filesystem::path path = root_ / name;
    std::ifstream in(path, std::ios::binary);
    const std::uint64_t size = std::filesystem::file_size(path);
    if (size > model::kMaxEntryBytes)
      throw Error(ErrorCode::bad_model, "\"" + path.string() + "\" has " + std::to_string(size) + " bytes, more than " +
                                            std::to_string(model::kMaxEntryBytes) + " allowed");
    std::vector<std::byte> bytes(static_cast<std::size_t>(size));
    if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
      throw Error(ErrorCode::io, "cannot read \"" + path.string() + "\"");
    return bytes;
  }

 private:
  std::filesystem::path root_;
};

// A zip held in memory, with the bundle's limits on declared and compressed sizes.
class ZipInMemory final : public SavedModelFiles::Storage {
 public:
  ZipInMemory(std::vector<std::byte> bytes, std::string shown) : bytes_(std::move(bytes)), shown_(std::move(shown)) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes_.data(), bytes_.size(), 0, &error);
    if (source) archive_ = zip_open_from_source(source, ZIP_RDONLY, &error);
    if (!archive_) {
      const std::string message = zip_error_strerror(&error);
      zip_error_fini(&error);
      if (source) zip_source_free(source);
      throw Error(ErrorCode::bad_model, "cannot open " + shown_ + " as a zip: " + message);
    }
    zip_error_fini(&error);
    const zip_int64_t count = zip_get_num_entries(archive_, 0);
    for (zip_int64_t i = 0; i < count; ++i) {
      const char* raw = zip_get_name(archive_, static_cast<zip_uint64_t>(i), 0);
      if (!raw || std::string(raw).ends_with("/")) continue;
      entries_.emplace(model::normalised_entry(raw, shown_), static_cast<zip_uint64_t>(i));
    }
    // The shallowest saved_model.pb names the root ("x/saved_model.pb" -> "x/").
    std::size_t best_depth = std::string::npos;
    for (const auto& [name, index] : entries_) {
      if (name != kSavedModelPb && !name.ends_with(std::string("/") + kSavedModelPb)) continue;
      const auto depth = static_cast<std::size_t>(std::count(name.begin(), name.end(), '/'));
      if (depth < best_depth) {
        best_depth = depth;
        prefix_ = name.substr(0, name.size() - std::string(kSavedModelPb).size());
      }
    }
  }
  ~ZipInMemory() override { zip_discard(archive_); }
  ZipInMemory(const ZipInMemory&) = delete;
  ZipInMemory& operator=(const ZipInMemory&) = delete;

  bool contains(const std::string& name) const override { return entries_.count(prefix_ + name) != 0; }

  std::vector<std::byte> read(const std::string& name) const override {
    const std::string shown = "\"" + prefix_ + name + "\" in " + shown_;
    zip_stat_t st;
    if (zip_stat_index(archive_, entries_.at(prefix_ + name), 0, &st) != 0)
      throw Error(ErrorCode::io, "cannot read " + shown + ": " + zip_strerror(archive_));
    model::check_zip_entry(st, shown, model::kMaxEntryBytes, bytes_.size(), "unzip it with yours and zip it again without one");
    return model::read_zip_entry(archive_, entries_.at(prefix_ + name), st, shown);
  }

 private:
  std::vector<std::byte> bytes_;
  std::string shown_;
  zip_t* archive_ = nullptr;
  std::map<std::string, zip_uint64_t> entries_;
  std::string prefix_;
};

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

SavedModelFiles SavedModelFiles::in_model(const model::Model& model, const WeightsSpec& weights) {
  const model::Bundle& bundle = model.bundle;
  const std::string bundle_shown = in_quotes(bundle.location().string());
  SavedModelFiles files;
  std::string folder = weights.source;
  while (folder.ends_with("/")) folder.pop_back();
  if (folder.empty() || folder == ".") folder.clear();
  const std::string prefix = folder.empty() ? "" : model::normalised_entry(folder, bundle.location().string()) + "/";
  if (bundle.contains(prefix + kSavedModelPb)) {
    files.storage_ = std::make_shared<BundleFolder>(bundle, prefix);
    files.where_ = folder.empty() ? bundle_shown : in_quotes(folder) + " in " + bundle_shown;
  } else if (!folder.empty() && bundle.contains(folder)) {
    files.where_ = in_quotes(folder) + " in " + bundle_shown;
    files.storage_ = std::make_shared<ZipInMemory>(model::read_checked(model, folder, weights.sha256), files.where_);
  } else {
    throw Error(ErrorCode::not_found, "the tensorflow_saved_model_bundle weights \"" + weights.source + "\" are not in " +
                                          bundle_shown + " (expected a .zip entry or a folder holding saved_model.pb)");
  }
  if (!files.contains(kSavedModelPb))
    throw Error(ErrorCode::bad_model, files.where_ + " holds no saved_model.pb: it is not a TensorFlow SavedModel");
  return files;
}

SavedModelFiles SavedModelFiles::at_path(const std::filesystem::path& path) {
  SavedModelFiles files;
  files.where_ = in_quotes(path.string());
  if (std::filesystem::is_directory(path)) {
    files.storage_ = std::make_shared<DiskFolder>(path);
  } else if (std::filesystem::is_regular_file(path)) {
    files.storage_ = std::make_shared<ZipInMemory>(DiskFolder(path.parent_path()).read(path.filename().string()), files.where_);
  } else {
    throw Error(ErrorCode::not_found, files.where_ + " does not exist");
  }
  if (!files.contains(kSavedModelPb))
    throw Error(ErrorCode::bad_model, files.where_ + " holds no saved_model.pb: it is not a TensorFlow SavedModel");
  return files;
}

bool SavedModelFiles::contains(const std::string& name) const { return storage_->contains(name); }

std::vector<std::byte> SavedModelFiles::read(const std::string& name) const {
  if (!storage_->contains(name)) throw Error(ErrorCode::not_found, shown(name) + " is missing");
  return storage_->read(name);
}

std::string SavedModelFiles::shown(const std::string& name) const { return in_quotes(name) + " in " + where_; }

}  // namespace deepimage::engine::tf
