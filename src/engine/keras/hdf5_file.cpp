#include "engine/keras/hdf5_file.hpp"

#include <hdf5.h>

#include <cstdint>
#include <cstring>
#include <string_view>

#include "deepimage/error.hpp"

namespace deepimage::engine::keras {
namespace {

// An HDF5 identifier closed by its own close function when it goes out of scope.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

std::string trimmed_at_nul(const char* p, std::size_t n) {
  std::size_t len = 0;
  while (len < n && p[len] != '\0') ++len;
  return std::string(p, len);
}

// Every element of a string attribute (scalar or 1-d), whatever its length kind.
std::vector<std::string> read_strings(hid_t attribute, const std::string& what) {
  const Handle type(H5Aget_type(attribute), H5Tclose);
  const Handle space(H5Aget_space(attribute), H5Sclose);
  if (!type.valid() || !space.valid()) throw Error(ErrorCode::bad_model, what + " cannot be read");
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  if (count < 0) throw Error(ErrorCode::bad_model, what + " has no readable size");
  if (H5Tget_class(type.get()) != H5T_STRING) {
    if (count == 0) return {};  // h5py writes an empty list as an empty float64 array
    throw Error(ErrorCode::bad_model, what + " is not a string");
  }
  std::vector<std::string> strings;
  if (H5Tis_variable_str(type.get()) > 0) {
    const Handle memory_type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memory_type.get(), H5T_VARIABLE);
    H5Tset_cset(memory_type.get(), H5Tget_cset(type.get()));
    std::vector<char*> pointers(static_cast<std::size_t>(count), nullptr);
    if (H5Aread(attribute, memory_type.get(), pointers.data()) < 0)
      throw Error(ErrorCode::bad_model, what + " cannot be read");
    for (char* p : pointers) strings.emplace_back(p ? p : "");
    H5Dvlen_reclaim(memory_type.get(), space.get(), H5P_DEFAULT, pointers.data());
    return strings;
  }
  const std::size_t size = H5Tget_size(type.get());
  std::vector<char> buffer(size * static_cast<std::size_t>(count) + 1, '\0');
  if (H5Aread(attribute, type.get(), buffer.data()) < 0) throw Error(ErrorCode::bad_model, what + " cannot be read");
  for (hssize_t k = 0; k < count; ++k)
    strings.push_back(trimmed_at_nul(buffer.data() + static_cast<std::size_t>(k) * size, size));
  return strings;
}

std::uint64_t little_endian(const std::byte* p, int bytes) {
  std::uint64_t v = 0;
  for (int k = bytes - 1; k >= 0; --k) v = (v << 8) | static_cast<std::uint8_t>(p[k]);
  return v;
}

// HDF5 1.10 loops forever reading a global heap collection (where variable-length strings such as
// Keras's model_config live) that holds a free-space object of size 0: its object walk does not
// advance; and it reads past the collection for an object that declares more bytes than the collection
// holds; and its walk wraps around for a free-space object declaring nearly 2^64 bytes. Walk every
// collection as it would, first, and refuse a file with any of these. (Loops not foreseen here are
// bounded by the reader process's processor-time limit, keras_file_contents.cpp.)
// A collection: "GCOL", version 1, 3 reserved bytes, its size (8 bytes, h5py's size of lengths), then
// objects of a 16-byte header (index, reference count, reserved, size) and their data padded to 8
// bytes; index 0 is the free space, whose size is not padded.
void check_global_heaps(const std::vector<std::byte>& bytes, const std::string& source) {
  constexpr std::size_t kHeader = 16, kObjectHeader = 16;
  const std::byte* data = bytes.data();
  const std::size_t n = bytes.size();
  const std::string_view text(reinterpret_cast<const char*>(data), n);
  for (std::size_t at = text.find("GCOL"); at != std::string_view::npos && at + kHeader <= n; at = text.find("GCOL", at + 1)) {
    if (data[at + 4] != std::byte{1}) continue;
    const std::uint64_t size = little_endian(data + at + 8, 8);
    if (size > n - at) continue;  // HDF5 fails to read it: an error, not a stall
    const std::size_t end = at + static_cast<std::size_t>(size);
    for (std::size_t p = at + kHeader; p + kObjectHeader <= end;) {
      const std::uint64_t index = little_endian(data + p, 2), object_size = little_endian(data + p + 8, 8);
      // (Compared before it is padded: a size near 2^64 would wrap around.)
      const bool overruns = index > 0 && object_size > end - p;
      const std::uint64_t need =
          overruns ? end - p + 1 : index > 0 ? kObjectHeader + ((object_size + 7) & ~std::uint64_t{7}) : object_size;
      if (need == 0)
        throw Error(ErrorCode::bad_model, source + ": the global heap collection at byte " + std::to_string(at) +
                                              " has a free-space object of size 0 at byte " + std::to_string(p) +
                                              ": the file is corrupt");
      // Free space running past the collection: HDF5 steps its read pointer past the end and stops,
      // unless the step wraps around the address space (2^64 - 1 moves it back a byte) and its walk
      // never ends (fuzz finding). No real one is larger than the file.
      if (need > end - p && index == 0 && object_size > n)
        throw Error(ErrorCode::bad_model, source + ": the global heap collection at byte " + std::to_string(at) +
                                              " has a free-space object of " + std::to_string(object_size) + " bytes at byte " +
                                              std::to_string(p) + ", more than the whole file: the file is corrupt");
      if (need > end - p && index == 0) break;
      // HDF5 does not check this either: reading such an object copies bytes from beyond the collection.
      if (need > end - p)
        throw Error(ErrorCode::bad_model, source + ": object " + std::to_string(index) + " of the global heap collection at byte " +
                                              std::to_string(at) + " declares " + std::to_string(object_size) +
                                              " bytes, more than the collection holds: the file is corrupt");
      p += static_cast<std::size_t>(need);
    }
  }
}

}  // namespace

Hdf5File::Hdf5File(const std::vector<std::byte>& bytes, std::string source) : source_(std::move(source)), file_size_(bytes.size()) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become one line here, not HDF5's stack dump
  check_global_heaps(bytes, source_);
  // The core (in-memory) driver opened on a copy of the bytes (H5Pset_file_image copies them): the file
  // outlives `bytes`, and nothing is written to disk.
  const Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!access.valid() || H5Pset_fapl_core(access.get(), 1 << 20, false) < 0 ||
      H5Pset_file_image(access.get(), const_cast<std::byte*>(bytes.data()), bytes.size()) < 0)
    throw Error(ErrorCode::internal, source_ + ": HDF5 cannot hold the file in memory");
  // The name is only a label, but HDF5 1.10's core driver also looks at a file of that name on disk (a
  // file beside the working directory made a valid image fail to open): one that cannot exist.
  file_ = H5Fopen("/nonexistent/deepimage-hdf5-image", H5F_ACC_RDONLY, access.get());
  if (file_ < 0) {
    // The signature (at 0, or after a user block of 512, 1024, ... bytes) tells a cut or damaged HDF5
    // file from a file of another kind.
    constexpr char kSignature[] = "\x89HDF\r\n\x1a\n";
    bool signed_file = false;
    for (std::size_t at = 0; at + 8 <= bytes.size() && !signed_file; at = at == 0 ? 512 : at * 2)
      signed_file = std::memcmp(bytes.data() + at, kSignature, 8) == 0;
    throw Error(ErrorCode::bad_model, source_ + (signed_file ? " is a truncated or corrupt HDF5 file (HDF5 cannot open it)"
                                                             : " is not an HDF5 file"));
  }
}

Hdf5File::~Hdf5File() {
  if (file_ >= 0) H5Fclose(file_);
}

bool Hdf5File::has_object(const std::string& path) const {
  if (path == "/") return true;
  // H5Lexists needs every parent to exist: walk the path one component at a time.
  std::string prefix;
  std::size_t start = path.front() == '/' ? 1 : 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    prefix += "/" + path.substr(start, end - start);
    if (H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    start = end + 1;
  }
  return true;
}

std::optional<std::string> Hdf5File::string_attribute(const std::string& path, const std::string& name) const {
  if (!has_object(path) || H5Aexists_by_name(file_, path.c_str(), name.c_str(), H5P_DEFAULT) <= 0) return std::nullopt;
  const std::string what = source_ + ": attribute \"" + name + "\" of \"" + path + "\"";
  const Handle attribute(H5Aopen_by_name(file_, path.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attribute.valid()) throw Error(ErrorCode::bad_model, what + " cannot be opened");
  std::vector<std::string> strings = read_strings(attribute.get(), what);
  if (strings.size() != 1)
    throw Error(ErrorCode::bad_model, what + " holds " + std::to_string(strings.size()) + " strings, expected 1");
  return strings.front();
}

std::optional<std::vector<std::string>> Hdf5File::string_list_attribute(const std::string& path,
                                                                        const std::string& name) const {
  if (!has_object(path)) return std::nullopt;
  const auto read = [&](const std::string& attribute_name) -> std::optional<std::vector<std::string>> {
    if (H5Aexists_by_name(file_, path.c_str(), attribute_name.c_str(), H5P_DEFAULT) <= 0) return std::nullopt;
    const Handle attribute(H5Aopen_by_name(file_, path.c_str(), attribute_name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
                           H5Aclose);
    const std::string what = source_ + ": attribute \"" + attribute_name + "\" of \"" + path + "\"";
    if (!attribute.valid()) throw Error(ErrorCode::bad_model, what + " cannot be opened");
    return read_strings(attribute.get(), what);
  };
  if (auto whole = read(name)) return whole;
  std::optional<std::vector<std::string>> joined;
  for (int chunk = 0;; ++chunk) {
    auto part = read(name + std::to_string(chunk));
    if (!part) return joined;
    if (!joined) joined.emplace();
    joined->insert(joined->end(), part->begin(), part->end());
  }
}

Tensor Hdf5File::float_dataset(const std::string& path) const {
  const std::string what = source_ + ": dataset \"" + path + "\"";
  if (!has_object(path)) throw Error(ErrorCode::bad_model, what + " is missing");
  const Handle dataset(H5Dopen2(file_, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) throw Error(ErrorCode::bad_model, what + " is not a dataset");
  const Handle space(H5Dget_space(dataset.get()), H5Sclose);
  const Handle type(H5Dget_type(dataset.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_FLOAT && H5Tget_class(type.get()) != H5T_INTEGER)
    throw Error(ErrorCode::bad_model, what + " is not numeric");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) throw Error(ErrorCode::bad_model, what + " has no readable shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  // The values must come from the file: stored as they are (contiguous, compact), they fit in it;
  // chunked, they may be deflated, which shrinks at most ~1032:1. A shape beyond that is a lie, refused
  // before anything is allocated for it.
  const Handle create(H5Dget_create_plist(dataset.get()), H5Pclose);
  const bool chunked = create.valid() && H5Pget_layout(create.get()) == H5D_CHUNKED;
  const double limit = static_cast<double>(file_size_) * (chunked ? 1100.0 : 1.0);
  double declared = static_cast<double>(H5Tget_size(type.get()));
  for (hsize_t d : dims) declared *= static_cast<double>(d);
  if (declared > limit)
    throw Error(ErrorCode::bad_model, what + " declares " + std::to_string(static_cast<unsigned long long>(declared)) +
                                          " bytes of values, more than a file of " + std::to_string(file_size_) + " bytes can hold");
  Shape shape(dims.begin(), dims.end());
  Tensor t(DType::f32, shape);
  if (t.element_count() > 0 &&
      H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data<float>()) < 0)
    throw Error(ErrorCode::bad_model, what + " cannot be read as float32");
  return t;
}

}  // namespace deepimage::engine::keras
