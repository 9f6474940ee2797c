#include "model/bundle.hpp"

#include <zip.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include <openssl/evp.h>

#include "deepimage/error.hpp"
#include "model/zip_entry_check.hpp"

namespace deepimage::model {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

// Entry names as rdf files write them ("./weights.pt") become plain relative names; anything that
// could leave the bundle (absolute, "..") is refused.
std::string normalised_entry(const std::string& name, const std::string& bundle) {
  fs::path p(name);
  if (name.empty() || p.is_absolute() || name.front() == '/' || name.front() == '\\')
    throw Error(ErrorCode::bad_model, bundle + ": entry \"" + name + "\" is an absolute path; bundle entries must be relative");
  fs::path clean;
  for (const auto& part : p) {
    if (part == ".") continue;
    if (part == "..")
      throw Error(ErrorCode::bad_model, bundle + ": entry \"" + name + "\" reaches outside the bundle with \"..\"");
    clean /= part;
  }
  return clean.generic_string();
}

namespace {

// The rdf names we look for, best first (bioimage.io's own order, then the legacy model.yaml).
int rdf_rank(const std::string& name) {
  if (name == "rdf.yaml") return 0;
  if (name == "bioimageio.yaml") return 1;
  if (ends_with(name, ".bioimageio.yaml")) return 2;
  if (name == "model.yaml") return 3;
  if (ends_with(name, ".model.yaml")) return 4;
  return -1;
}

std::string pick_rdf(const std::vector<std::string>& names, const std::string& bundle) {
  // A legacy DeepImageJ bundle: config.xml and no rdf (with both, the rdf describes the model).
  const bool has_config = std::find(names.begin(), names.end(), kDeepImageJConfigName) != names.end();
  int best = 99;
  std::vector<std::string> found;
  for (const auto& n : names) {
    const int r = rdf_rank(n);
    if (r < 0) continue;
    if (r < best) {
      best = r;
      found = {n};
    } else if (r == best) {
      found.push_back(n);
    }
  }
  if (found.empty() && has_config) return kDeepImageJConfigName;
  if (found.empty()) {
    // A bundle zipped once more (model.zip holding unet.zip) is a common slip: name the inner zip.
    std::string zips;
    for (const auto& n : names)
      if (ends_with(n, ".zip")) zips += (zips.empty() ? "\"" : ", \"") + n + "\"";
    throw Error(ErrorCode::bad_model, bundle + " holds no model description (looked for rdf.yaml, bioimageio.yaml, "
                                               "*.bioimageio.yaml, model.yaml, *.model.yaml, config.xml)" +
                                          (zips.empty() ? "" : " but holds " + zips + ": a bundle zipped inside? give that .zip instead"));
  }
  if (found.size() > 1) {
    std::sort(found.begin(), found.end());
    std::string list;
    for (const auto& f : found) list += (list.empty() ? "" : ", ") + f;
    throw Error(ErrorCode::bad_model, bundle + " holds several model descriptions (" + list +
                                          "); give the path of the one to use");
  }
  return found.front();
}

// Does `path` (a file under `root`, both canonical) stay under `root`?
bool is_under(const fs::path& path, const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p)
    if (p == path.end() || *p != *r) return false;
  return true;
}

}  // namespace

class Bundle::Storage {
 public:
  virtual ~Storage() = default;
  virtual std::vector<std::string> top_level_names() const = 0;
  virtual std::vector<std::string> entry_names() const = 0;
  virtual bool contains(const std::string& entry) const = 0;
  virtual std::vector<std::byte> read(const std::string& entry, std::uint64_t max_bytes) const = 0;
};

namespace {

class FolderStorage final : public Bundle::Storage {
 public:
  explicit FolderStorage(fs::path root) : root_(std::move(root)) {}

  std::vector<std::string> top_level_names() const override {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(root_))
      if (e.is_regular_file()) names.push_back(e.path().filename().string());
    return names;
  }
  // Files in sub-folders too; a symbolic link counts as the file it names, as read() follows it.
  std::vector<std::string> entry_names() const override {
    std::vector<std::string> names;
    for (const auto& e : fs::recursive_directory_iterator(root_, fs::directory_options::follow_directory_symlink))
      if (e.is_regular_file()) names.push_back(fs::relative(e.path(), root_).generic_string());
    std::sort(names.begin(), names.end());
    return names;
  }
  bool contains(const std::string& entry) const override { return fs::is_regular_file(root_ / entry); }
  std::vector<std::byte> read(const std::string& entry, std::uint64_t max_bytes) const override {
    const fs::path p = root_ / entry;
    std::ifstream f(p, std::ios::binary);
    if (!fs::is_regular_file(p) || !f)
      throw Error(ErrorCode::not_found, "\"" + p.string() + "\" named in the model description does not exist");
    // A symbolic link may point anywhere; like "../" in a name, it must not take a read outside.
    std::error_code ec;
    const fs::path real = fs::canonical(p, ec), real_root = fs::canonical(root_, ec);
    if (ec || !is_under(real, real_root))
      throw Error(ErrorCode::bad_model, "\"" + p.string() + "\" is a link to \"" + real.string() +
                                            "\", outside the model folder \"" + real_root.string() + "\"");
    const std::uint64_t size = fs::file_size(p);
    if (size > max_bytes) entry_too_large("\"" + p.string() + "\"", size, max_bytes);
    std::vector<std::byte> bytes(size);
    f.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!f) throw Error(ErrorCode::io, "cannot read \"" + p.string() + "\"");
    return bytes;
  }

 private:
  fs::path root_;
};

// A zip read in place with libzip; entries may sit under one top-level folder ("model/rdf.yaml").
class ZipStorage final : public Bundle::Storage {
 public:
  explicit ZipStorage(const fs::path& path) : path_(path.string()) {
    int err = 0;
    archive_ = zip_open(path_.c_str(), ZIP_RDONLY, &err);
    if (!archive_) {
      zip_error_t ze;
      zip_error_init_with_code(&ze, err);
      const std::string msg = zip_error_strerror(&ze);
      zip_error_fini(&ze);
      throw Error(ErrorCode::io, "cannot open \"" + path_ + "\" as a zip: " + msg);
    }
    // The destructor does not run when the constructor throws (an entry refused below): the archive is
    // discarded here then (LeakSanitizer found it leaking).
    try {
      read_entries(path);
    } catch (...) {
      zip_discard(archive_);
      throw;
    }
  }
  ~ZipStorage() override { zip_discard(archive_); }
  ZipStorage(const ZipStorage&) = delete;
  ZipStorage& operator=(const ZipStorage&) = delete;

 private:
  void read_entries(const fs::path& path) {
    zip_bytes_ = fs::file_size(path);
    const zip_int64_t n = zip_get_num_entries(archive_, 0);
    for (zip_int64_t i = 0; i < n; ++i) {
      const char* raw = zip_get_name(archive_, static_cast<zip_uint64_t>(i), 0);
      if (!raw) continue;
      const std::string name = raw;
      if (!name.empty() && name.back() == '/') continue;  // folder entry
      // Refuses "../x" and "/x" entries outright; "./x" is kept under its clean name.
      const auto [it, added] = entries_.emplace(normalised_entry(name, path_), static_cast<zip_uint64_t>(i));
      if (!added)
        throw Error(ErrorCode::bad_model, path_ + ": entry \"" + name + "\" duplicates \"" + it->first + "\"");
    }
    // Bundles zipped with their folder: use that folder as the root when it is the only thing there.
    bool single_folder = !entries_.empty();
    const std::string first = entries_.empty() ? "" : entries_.begin()->first.substr(0, entries_.begin()->first.find('/'));
    for (const auto& [nm, index] : entries_)
      if (nm.find('/') == std::string::npos || nm.substr(0, nm.find('/')) != first) single_folder = false;
    if (single_folder) prefix_ = first + "/";
  }

 public:
  std::vector<std::string> top_level_names() const override {
    std::vector<std::string> top;
    for (const auto& [n, index] : entries_) {
      const std::string rel = n.substr(prefix_.size());
      if (rel.find('/') == std::string::npos) top.push_back(rel);
    }
    return top;
  }
  std::vector<std::string> entry_names() const override {
    std::vector<std::string> names;
    for (const auto& [n, index] : entries_) names.push_back(n.substr(prefix_.size()));
    return names;
  }
  bool contains(const std::string& entry) const override {
    return entries_.count(prefix_ + entry) != 0;
  }
  // Sizes in a zip are what its directory declares; each is checked against what the zip can hold
  // before anything is allocated, and the data is read in chunks that must add up to the declared size.
  std::vector<std::byte> read(const std::string& entry, std::uint64_t max_bytes) const override {
    const auto found = entries_.find(prefix_ + entry);
    zip_stat_t st;
    if (found == entries_.end() || zip_stat_index(archive_, found->second, 0, &st) != 0)
      throw Error(ErrorCode::not_found, "\"" + entry + "\" named in the model description is not in \"" + path_ + "\"");
    const std::string shown = "\"" + entry + "\" in \"" + path_ + "\"";
    check_zip_entry(st, shown, max_bytes, zip_bytes_, "unzip it with yours and give the folder");
    return read_zip_entry(archive_, found->second, st, shown);
  }

 private:
  std::string path_;
  zip_t* archive_ = nullptr;
  std::map<std::string, zip_uint64_t> entries_;  // clean name -> index in the archive
  std::string prefix_;
  std::uint64_t zip_bytes_ = 0;  // the size of the zip file: no entry holds more compressed bytes
};

}  // namespace

Bundle Bundle::open(const fs::path& path) {
  Bundle b;
  b.location_ = path;
  const std::string shown = path.string();
  if (!fs::exists(path)) throw Error(ErrorCode::not_found, "model \"" + shown + "\" does not exist");
  if (fs::is_directory(path)) {
    auto storage = std::make_shared<FolderStorage>(path);
    b.rdf_name_ = pick_rdf(storage->top_level_names(), "\"" + shown + "\"");
    b.storage_ = storage;
  } else if (ends_with(path.filename().string(), ".zip")) {
    auto storage = std::make_shared<ZipStorage>(path);
    b.rdf_name_ = pick_rdf(storage->top_level_names(), "\"" + shown + "\"");
    b.storage_ = storage;
  } else if (ends_with(path.filename().string(), ".yaml") || ends_with(path.filename().string(), ".yml") ||
             path.filename() == kDeepImageJConfigName) {
    const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
    b.storage_ = std::make_shared<FolderStorage>(folder);
    b.rdf_name_ = path.filename().string();
  } else {
    throw Error(ErrorCode::invalid_argument, "model \"" + shown + "\" is not a folder, a .zip or an rdf .yaml file");
  }
  return b;
}

Bundle Bundle::open_files(const fs::path& folder_or_zip) {
  Bundle b;
  b.location_ = folder_or_zip;
  if (fs::is_directory(folder_or_zip)) b.storage_ = std::make_shared<FolderStorage>(folder_or_zip);
  else if (fs::is_regular_file(folder_or_zip) && ends_with(folder_or_zip.filename().string(), ".zip")) b.storage_ = std::make_shared<ZipStorage>(folder_or_zip);
  else throw Error(ErrorCode::not_found, "folder \"" + folder_or_zip.string() + "\" does not exist");
  return b;
}

std::vector<std::string> Bundle::top_level_names() const { return storage_->top_level_names(); }

bool Bundle::is_zip() const { return dynamic_cast<const ZipStorage*>(storage_.get()) != nullptr; }

bool Bundle::contains(const std::string& name) const {
  return storage_->contains(normalised_entry(name, location_.string()));
}

std::vector<std::string> Bundle::entry_names() const { return storage_->entry_names(); }

std::vector<std::byte> Bundle::read(const std::string& name, std::uint64_t max_bytes) const {
  return storage_->read(normalised_entry(name, location_.string()), max_bytes);
}

std::string Bundle::read_text(const std::string& name) const {
  const auto bytes = read(name, kMaxTextEntryBytes);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::string sha256_hex(const std::vector<std::byte>& bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr);
  std::ostringstream hex;
  for (unsigned int i = 0; i < length; ++i) hex << std::hex << std::setw(2) << std::setfill('0') << int(digest[i]);
  return hex.str();
}

std::string Bundle::sha256(const std::string& name) const { return sha256_hex(read(name)); }

}  // namespace deepimage::model
