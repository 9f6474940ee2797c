#include "engine/tf/tensor_bundle.hpp"

#include <cstdio>
#include <span>

#include "deepimage/error.hpp"
#include "engine/tf/crc32c.hpp"
#include "engine/tf/sstable.hpp"

namespace deepimage::engine::tf {
namespace {

std::string shard_name(const std::string& prefix, int shard, int shards) {
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, ".data-%05d-of-%05d", shard, shards);
  return prefix + suffix;
}

std::string dtype_name(tfproto::DataType dtype) {
  const std::string& name = tfproto::DataType_Name(dtype);
  return name.empty() ? std::to_string(static_cast<int>(dtype)) : name;
}

}  // namespace

std::size_t dtype_size(tfproto::DataType dtype) {
  switch (dtype) {
    case tfproto::DT_FLOAT: case tfproto::DT_INT32: case tfproto::DT_UINT32: case tfproto::DT_QINT32: return 4;
    case tfproto::DT_DOUBLE: case tfproto::DT_INT64: case tfproto::DT_UINT64: case tfproto::DT_COMPLEX64: return 8;
    case tfproto::DT_COMPLEX128: return 16;
    case tfproto::DT_INT16: case tfproto::DT_UINT16: case tfproto::DT_HALF: case tfproto::DT_BFLOAT16:
    case tfproto::DT_QINT16: case tfproto::DT_QUINT16: return 2;
    case tfproto::DT_INT8: case tfproto::DT_UINT8: case tfproto::DT_BOOL: case tfproto::DT_QINT8: case tfproto::DT_QUINT8: return 1;
    default: return 0;
  }
}

TensorBundle TensorBundle::open(const SavedModelFiles& files, const std::string& prefix) {
  TensorBundle bundle;
  bundle.files_ = files;
  bundle.prefix_ = prefix;
  const std::string index_name = prefix + ".index";
  if (!files.contains(index_name)) return bundle;
  const std::string shown = files.shown(index_name);
  const std::vector<std::byte> index = files.read(index_name);
  bool has_header = false;
  for (const SstableEntry& e : read_sstable(index, shown)) {
    if (e.key.empty()) {
      if (!bundle.header_.ParseFromString(e.value))
        throw Error(ErrorCode::bad_model, shown + " is not a valid tensor-bundle index: its header does not parse");
      has_header = true;
      continue;
    }
    tfproto::BundleEntryProto entry;
    if (!entry.ParseFromString(e.value))
      throw Error(ErrorCode::bad_model, shown + " is not a valid tensor-bundle index: the entry of \"" + e.key + "\" does not parse");
    bundle.entries_.emplace(e.key, std::move(entry));
  }
  if (!has_header) throw Error(ErrorCode::bad_model, shown + " is not a valid tensor-bundle index: it has no header (empty key)");
  if (bundle.header_.endianness() != tfproto::BundleHeaderProto::LITTLE)
    throw Error(ErrorCode::unsupported, shown + " was written on a big-endian machine; only little-endian bundles are read");
  if (bundle.header_.num_shards() < 1)
    throw Error(ErrorCode::bad_model, shown + " declares " + std::to_string(bundle.header_.num_shards()) + " data shards");
  return bundle;
}

std::vector<std::string> TensorBundle::names() const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : entries_) out.push_back(name);
  return out;
}

const tfproto::BundleEntryProto& TensorBundle::entry(const std::string& name) const {
  const auto found = entries_.find(name);
  if (found == entries_.end())
    throw Error(ErrorCode::not_found, "variable \"" + name + "\" is not saved in " + files_.shown(prefix_ + ".index"));
  return found->second;
}

BundleTensor TensorBundle::read(const std::string& name) const {
  const tfproto::BundleEntryProto& e = entry(name);
  const std::string index_shown = files_.shown(prefix_ + ".index");
  if (e.slices_size() > 0)
    throw Error(ErrorCode::unsupported, "variable \"" + name + "\" in " + index_shown +
                                            " is partitioned into slices; partitioned variables are not supported");
  const std::size_t element = dtype_size(e.dtype());
  if (element == 0)
    throw Error(ErrorCode::unsupported, "variable \"" + name + "\" in " + index_shown + " holds " + dtype_name(e.dtype()) +
                                            " values; only numeric tensors can be frozen into the graph");
  BundleTensor tensor;
  tensor.dtype = e.dtype();
  std::uint64_t count = 1;
  for (const auto& dim : e.shape().dim()) {
    if (dim.size() < 0 || (dim.size() > 0 && count > (std::uint64_t{1} << 40) / static_cast<std::uint64_t>(dim.size())))
      throw Error(ErrorCode::bad_model, "variable \"" + name + "\" in " + index_shown + " has a bad shape");
    tensor.shape.push_back(dim.size());
    count *= static_cast<std::uint64_t>(dim.size());
  }
  if (e.size() < 0 || e.offset() < 0 || static_cast<std::uint64_t>(e.size()) != count * element)
    throw Error(ErrorCode::bad_model, "variable \"" + name + "\" in " + index_shown + " declares " + std::to_string(e.size()) +
                                          " bytes for " + std::to_string(count) + " " + dtype_name(e.dtype()) + " values");
  if (e.shard_id() < 0 || e.shard_id() >= header_.num_shards())
    throw Error(ErrorCode::bad_model, "variable \"" + name + "\" in " + index_shown + " is in shard " +
                                          std::to_string(e.shard_id()) + " of " + std::to_string(header_.num_shards()));
  const std::string shard = shard_name(prefix_, e.shard_id(), header_.num_shards());
  auto cached = shards_->find(e.shard_id());
  if (cached == shards_->end()) {
    if (!files_.contains(shard))
      throw Error(ErrorCode::not_found, "data shard " + files_.shown(shard) + " named by " + index_shown + " is missing");
    cached = shards_->emplace(e.shard_id(), files_.read(shard)).first;
  }
  const std::vector<std::byte>& data = cached->second;
  const auto offset = static_cast<std::uint64_t>(e.offset());
  if (offset > data.size() || static_cast<std::uint64_t>(e.size()) > data.size() - offset)
    throw Error(ErrorCode::bad_model, "variable \"" + name + "\" lies at bytes " + std::to_string(offset) + ".." +
                                          std::to_string(offset + static_cast<std::uint64_t>(e.size())) + " of " +
                                          files_.shown(shard) + ", which has " + std::to_string(data.size()) +
                                          " (truncated shard?)");
  const std::span<const std::byte> bytes(data.data() + offset, static_cast<std::size_t>(e.size()));
  if (unmask_crc32c(e.crc32c()) != crc32c(bytes))
    throw Error(ErrorCode::bad_model, "variable \"" + name + "\" in " + files_.shown(shard) + " fails its crc32c check (corrupt shard)");
  tensor.bytes.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return tensor;
}

}  // namespace deepimage::engine::tf
