// One zarr v2 array: its .zarray metadata, where its chunks lie, and how a chunk's bytes are
// encoded (the compressor). The OME-Zarr source and sink (ome_zarr_*.cpp) are built on it.
//
//   ZarrArray a = read_zarr_array("img.ome.zarr/0");       // parses and checks 0/.zarray
//   std::vector<std::byte> chunk = a.read_chunk({0, 1, 2}); // decoded, native byte order, fill_value if absent
//   a.write_chunk({0, 1, 2}, values);                       // encoded and written
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "deepimage/tensor.hpp"

namespace deepimage::io {

struct ZarrCompressor {
  std::string id;               // "" (none), "zlib", "gzip", "blosc"
  std::string cname = "lz4";    // blosc's inner codec
  int level = 5;                // blosc clevel, zlib/gzip level
  int shuffle = 1;              // blosc: 0 none, 1 byte, 2 bit
};

struct ZarrArray {
  std::filesystem::path folder;
  Shape shape, chunks;
  DType dtype = DType::u8;
  bool big_endian = false;
  bool fortran_order = false;
  double fill_value = 0.0;
  ZarrCompressor compressor;
  char separator = '.';

  std::int64_t chunk_elements() const { return element_count(chunks); }
  std::filesystem::path chunk_path(const std::vector<std::int64_t>& index) const;
  // The chunk's values, C order, this machine's byte order, chunks' shape; fill_value when the
  // file does not exist. Throws io naming the chunk file for one that does not decode to its size.
  std::vector<std::byte> read_chunk(const std::vector<std::int64_t>& index) const;
  // `values`: C order, native byte order, chunks' shape. Written as stored (order C, little endian).
  void write_chunk(const std::vector<std::int64_t>& index, std::span<const std::byte> values) const;
};

// Throws Error(io) "\"file\": what": every zarr metadata or chunk error names its file.
[[noreturn]] void zarr_file_error(const std::filesystem::path& file, const std::string& what);
// A zarr metadata file (.zarray, .zattrs) parsed; throws io naming the file when it cannot be read or
// is not JSON.
nlohmann::json read_zarr_json(const std::filesystem::path& file);

// Parses `folder`/.zarray; throws io naming the file and the offending value.
ZarrArray read_zarr_array(const std::filesystem::path& folder);
// Writes `array.folder`/.zarray (C order, little endian, the compressor, fill_value 0).
void write_zarr_array(const ZarrArray& array);

}  // namespace deepimage::io
