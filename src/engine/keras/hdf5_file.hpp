// Hdf5File — the few reads the Keras importer needs from an HDF5 file held in memory: string and
// string-list attributes, float datasets. The only place HDF5's headers are included.
//
//   Hdf5File f(bytes, "model.h5");
//   std::optional<std::string> config = f.string_attribute("/", "model_config");
//   std::vector<std::string> names = f.string_list_attribute("/model_weights/conv2d_1", "weight_names");
//   Tensor kernel = f.float_dataset("/model_weights/conv2d_1/conv2d_1/kernel:0");
//
// Strings may be variable- or fixed-length (h5py writes both, by version). Failures are Error(bad_model)
// naming the file and the object; HDF5's own error stack printing is switched off.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "deepimage/tensor.hpp"

namespace deepimage::engine::keras {

class Hdf5File {
 public:
  Hdf5File(const std::vector<std::byte>& bytes, std::string source);
  ~Hdf5File();
  Hdf5File(const Hdf5File&) = delete;
  Hdf5File& operator=(const Hdf5File&) = delete;

  bool has_object(const std::string& path) const;
  // A scalar string attribute of the object at `path`; nullopt when absent.
  std::optional<std::string> string_attribute(const std::string& path, const std::string& name) const;
  // A 1-d list of strings (an empty numeric array, as h5py writes [], is an empty list). Keras splits
  // long lists into `name0`, `name1`, ...: those are joined. nullopt when absent.
  std::optional<std::vector<std::string>> string_list_attribute(const std::string& path, const std::string& name) const;
  // A numeric dataset converted to float32 (HDF5 converts float16/float64 itself).
  Tensor float_dataset(const std::string& path) const;

  const std::string& source() const { return source_; }

 private:
  std::string source_;
  long long file_ = -1;  // hid_t
  std::size_t file_size_ = 0;
};

}  // namespace deepimage::engine::keras
