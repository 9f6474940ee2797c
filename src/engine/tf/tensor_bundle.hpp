// TensorBundle — the saved values of a SavedModel's variables: variables/variables.index (a leveldb
// table, sstable.hpp) maps each tensor's name to a BundleEntryProto (dtype, shape, shard, offset, size,
// masked crc32c); the bytes lie raw, little-endian, at offset/size in variables.data-SSSSS-of-NNNNN.
// The empty key holds the BundleHeaderProto (number of shards, endianness).
//
//   TensorBundle bundle = TensorBundle::open(files);           // reads and checks the index only
//   BundleTensor a = bundle.read("a");                         // reads shard 0 once, checks a's crc32c
//
// String tensors (TF1 save counters, Keras's optimizer names) and sliced (partitioned) variables are
// listed but refused by read(): nothing on an inference path should need them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/tf/proto/tensor_bundle.pb.h"
#include "engine/tf/saved_model_files.hpp"

namespace deepimage::engine::tf {

struct BundleTensor {
  tfproto::DataType dtype = tfproto::DT_INVALID;
  std::vector<std::int64_t> shape;
  std::string bytes;  // little-endian, row-major, as a TensorProto's tensor_content
};

// Bytes per element of a fixed-size dtype; 0 for strings, resources, variants and unknown types.
std::size_t dtype_size(tfproto::DataType dtype);

class TensorBundle {
 public:
  // Reads `prefix`.index ("variables/variables.index"). A SavedModel without variables (constants only)
  // has no index: an empty bundle.
  static TensorBundle open(const SavedModelFiles& files, const std::string& prefix = "variables/variables");

  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  std::vector<std::string> names() const;
  const tfproto::BundleEntryProto& entry(const std::string& name) const;  // not_found naming the index
  // Reads the tensor's shard (once, then kept) and checks its size and crc32c.
  BundleTensor read(const std::string& name) const;

 private:
  SavedModelFiles files_;
  std::string prefix_;
  tfproto::BundleHeaderProto header_;
  std::map<std::string, tfproto::BundleEntryProto> entries_;
  std::shared_ptr<std::map<int, std::vector<std::byte>>> shards_ = std::make_shared<std::map<int, std::vector<std::byte>>>();
};

}  // namespace deepimage::engine::tf
