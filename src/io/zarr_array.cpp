// zarr v2 arrays: .zarray parsed and checked once, chunk files decoded (zlib/gzip through zlib,
// blosc through libblosc, whose header tells the sizes) and encoded (blosc or none).
#include "io/zarr_array.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include <blosc.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include "deepimage/error.hpp"
#include "io/box_copy.hpp"
#include "io/temp_file.hpp"

namespace deepimage::io {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::byte> read_file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io, "cannot open \"" + path.string() + "\" for reading");
  std::vector<std::byte> bytes;
  in.seekg(0, std::ios::end);
  bytes.resize(static_cast<std::size_t>(in.tellg()));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!in) throw Error(ErrorCode::io, "cannot read \"" + path.string() + "\"");
  return bytes;
}

// "<u2" -> u16, little endian; "|b1" -> bool.
void parse_dtype(const fs::path& file, const json& value, ZarrArray& a) {
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  static const std::pair<const char*, DType> kinds[] = {
      {"b1", DType::boolean}, {"u1", DType::u8}, {"i1", DType::i8}, {"u2", DType::u16}, {"i2", DType::i16},
      {"u4", DType::u32},     {"i4", DType::i32}, {"u8", DType::u64}, {"i8", DType::i64}, {"f4", DType::f32},
      {"f8", DType::f64}};
  if (value.is_string() && text.size() == 3 && (text[0] == '<' || text[0] == '>' || text[0] == '|'))
    for (const auto& [name, dtype] : kinds)
      if (text.compare(1, 2, name) == 0) {
        a.dtype = dtype;
        a.big_endian = text[0] == '>' && dtype_size(dtype) > 1;
        return;
      }
  zarr_file_error(file, "dtype " + (value.is_string() ? "\"" + text + "\"" : text) +
                " is not supported (expected one of <u1 <i1 <u2 <i2 <u4 <i4 <u8 <i8 <f4 <f8 |b1, < or > byte order)");
}

Shape parse_extents(const fs::path& file, const json& meta, const char* key) {
  if (!meta.contains(key) || !meta[key].is_array() || meta[key].empty())
    zarr_file_error(file, std::string("\"") + key + "\" " + (meta.contains(key) ? meta[key].dump() : "is missing") +
                  (meta.contains(key) ? " is not" : ";") + " a list of sizes");
  Shape extents;
  for (const auto& v : meta[key]) {
    if (!v.is_number_integer() || v.get<std::int64_t>() < (std::string(key) == "chunks" ? 1 : 0))
      zarr_file_error(file, std::string("\"") + key + "\" " + meta[key].dump() + " holds " + v.dump() + ", not a size");
    extents.push_back(v.get<std::int64_t>());
  }
  return extents;
}

double parse_fill_value(const fs::path& file, const json& v) {
  if (v.is_null()) return 0.0;
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
  }
  zarr_file_error(file, "fill_value " + v.dump() + " is not a number, null, \"NaN\", \"Infinity\" or \"-Infinity\"");
}

ZarrCompressor parse_compressor(const fs::path& file, const json& v) {
  ZarrCompressor c;
  if (v.is_null()) return c;
  if (!v.is_object() || !v.contains("id") || !v["id"].is_string())
    zarr_file_error(file, "compressor " + v.dump() + " has no \"id\"");
  c.id = v["id"].get<std::string>();
  if (c.id == "zlib" || c.id == "gzip") return c;
  if (c.id != "blosc") zarr_file_error(file, "compressor \"" + c.id + "\" is not supported (expected null, zlib, gzip or blosc)");
  if (v.contains("cname")) {
    if (!v["cname"].is_string()) zarr_file_error(file, "blosc \"cname\" " + v["cname"].dump() + " is not a codec name");
    c.cname = v["cname"].get<std::string>();
  }
  bool known = false;
  for (const char* name : {"blosclz", "lz4", "lz4hc", "zlib", "zstd", "snappy"}) known |= c.cname == name;
  if (!known) zarr_file_error(file, "blosc codec \"" + c.cname + "\" is not supported (expected blosclz, lz4, lz4hc, zlib, zstd)");
  return c;
}

// Byte order reversed in place, element by element.
void swap_bytes(std::byte* values, std::size_t count, std::size_t size) {
  if (size < 2) return;
  for (std::size_t i = 0; i < count; ++i) std::reverse(values + i * size, values + (i + 1) * size);
}

template <class T> void fill_as(std::byte* out, std::int64_t count, double value) {
  const T v = static_cast<T>(value);
  for (std::int64_t i = 0; i < count; ++i) std::memcpy(out + i * sizeof(T), &v, sizeof(T));
}

void fill(DType dtype, std::byte* out, std::int64_t count, double value) {
  if (value == 0.0) {  // also -0.0; every type's zero is all zero bits
    std::memset(out, 0, static_cast<std::size_t>(count) * dtype_size(dtype));
    return;
  }
  switch (dtype) {
    case DType::boolean: return fill_as<std::uint8_t>(out, count, value != 0.0 ? 1.0 : 0.0);
    case DType::u8: return fill_as<std::uint8_t>(out, count, value);
    case DType::i8: return fill_as<std::int8_t>(out, count, value);
    case DType::u16: return fill_as<std::uint16_t>(out, count, value);
    case DType::i16: return fill_as<std::int16_t>(out, count, value);
    case DType::u32: return fill_as<std::uint32_t>(out, count, value);
    case DType::i32: return fill_as<std::int32_t>(out, count, value);
    case DType::u64: return fill_as<std::uint64_t>(out, count, value);
    case DType::i64: return fill_as<std::int64_t>(out, count, value);
    case DType::f32: return fill_as<float>(out, count, value);
    case DType::f64: return fill_as<double>(out, count, value);
  }
}

void inflate_into(const fs::path& file, std::span<const std::byte> in, std::span<std::byte> out) {
  z_stream s{};
  if (inflateInit2(&s, 32 + MAX_WBITS) != Z_OK) zarr_file_error(file, "cannot start zlib");  // 32: zlib or gzip header
  s.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&s, Z_FINISH);
  const auto produced = s.total_out;
  inflateEnd(&s);
  if (rc != Z_STREAM_END || produced != out.size())
    zarr_file_error(file, "chunk does not decompress to " + std::to_string(out.size()) + " bytes (zlib: " +
                  (rc == Z_STREAM_END ? std::to_string(produced) + " bytes" : std::string(rc == Z_BUF_ERROR ? "truncated or too long" : "corrupt data")) + ")");
}

void blosc_into(const fs::path& file, std::span<const std::byte> in, std::span<std::byte> out) {
  std::size_t nbytes = 0, cbytes = 0, blocksize = 0;
  if (in.size() < BLOSC_MIN_HEADER_LENGTH) zarr_file_error(file, "chunk of " + std::to_string(in.size()) + " bytes is too short for blosc");
  blosc_cbuffer_sizes(in.data(), &nbytes, &cbytes, &blocksize);
  if (cbytes != in.size())
    zarr_file_error(file, "blosc chunk says " + std::to_string(cbytes) + " bytes but the file has " + std::to_string(in.size()) +
                  (cbytes > in.size() ? " (truncated)" : ""));
  if (nbytes != out.size())
    zarr_file_error(file, "blosc chunk holds " + std::to_string(nbytes) + " bytes, expected " + std::to_string(out.size()));
  const int got = blosc_decompress_ctx(in.data(), out.data(), out.size(), 1);
  if (got < 0 || static_cast<std::size_t>(got) != out.size()) zarr_file_error(file, "blosc chunk is corrupt");
}

}  // namespace

fs::path ZarrArray::chunk_path(const std::vector<std::int64_t>& index) const {
  std::string key;
  for (std::size_t d = 0; d < index.size(); ++d) key += (d ? std::string(1, separator) : "") + std::to_string(index[d]);
  if (index.empty()) key = "0";
  return folder / key;
}

std::vector<std::byte> ZarrArray::read_chunk(const std::vector<std::int64_t>& index) const {
  const std::size_t es = dtype_size(dtype);
  const auto count = static_cast<std::size_t>(chunk_elements());
  std::vector<std::byte> values(count * es);
  const fs::path file = chunk_path(index);
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    fill(dtype, values.data(), chunk_elements(), fill_value);
    return values;
  }
  const std::vector<std::byte> stored = read_file_bytes(file);
  if (compressor.id.empty()) {
    if (stored.size() != values.size())
      zarr_file_error(file, "chunk has " + std::to_string(stored.size()) + " bytes, expected " + std::to_string(values.size()) + " (uncompressed)");
    std::memcpy(values.data(), stored.data(), values.size());
  } else if (compressor.id == "blosc") {
    blosc_into(file, stored, values);
  } else {
    inflate_into(file, stored, values);
  }
  if (big_endian != (std::endian::native == std::endian::big)) swap_bytes(values.data(), count, es);
  if (dtype == DType::boolean)
    for (auto& b : values) b = std::byte(b != std::byte{0});
  if (fortran_order && chunks.size() > 1) {  // F order: the C strides of the reversed shape, reversed
    Shape reversed(chunks.rbegin(), chunks.rend());
    auto strides = strides_of(reversed);
    std::reverse(strides.begin(), strides.end());
    std::vector<std::byte> c_order(values.size());
    copy_box_out(values.data(), chunks, strides, es, whole_box(chunks), c_order.data());
    values.swap(c_order);
  }
  return values;
}

void ZarrArray::write_chunk(const std::vector<std::int64_t>& index, std::span<const std::byte> values) const {
  const std::size_t es = dtype_size(dtype);
  std::vector<std::byte> little;
  if constexpr (std::endian::native == std::endian::big) {
    little.assign(values.begin(), values.end());
    swap_bytes(little.data(), little.size() / es, es);
    values = little;
  }
  std::vector<std::byte> encoded;
  std::span<const std::byte> out = values;
  if (compressor.id == "blosc") {
    encoded.resize(values.size() + BLOSC_MAX_OVERHEAD);
    const int n = blosc_compress_ctx(compressor.level, compressor.shuffle, es, values.size(), values.data(),
                                     encoded.data(), encoded.size(), compressor.cname.c_str(), 0, 1);
    if (n <= 0) throw Error(ErrorCode::internal, "blosc cannot compress a chunk of \"" + folder.string() + "\"");
    out = std::span<const std::byte>(encoded.data(), static_cast<std::size_t>(n));
  } else if (!compressor.id.empty()) {
    throw Error(ErrorCode::internal, "zarr chunks are written with blosc or uncompressed, not " + compressor.id);
  }
  const fs::path file = chunk_path(index);
  if (separator == '/') fs::create_directories(file.parent_path());
  // Through a temporary name renamed into place: a reader, or another shard of a sharded run writing
  // the same array (run/shard_output.hpp), never sees a partial chunk.
  const fs::path temp = temp_path_for(file);
  std::ofstream f(temp, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
  f.close();
  std::error_code ec;
  if (f) fs::rename(temp, file, ec);
  if (!f || ec) {
    fs::remove(temp, ec);
    throw Error(ErrorCode::io, "cannot write \"" + file.string() + "\"");
  }
}

void zarr_file_error(const fs::path& file, const std::string& what) {
  throw Error(ErrorCode::io, "\"" + file.string() + "\": " + what);
}

json read_zarr_json(const fs::path& file) {
  const std::vector<std::byte> bytes = read_file_bytes(file);
  try {
    return json::parse(reinterpret_cast<const char*>(bytes.data()), reinterpret_cast<const char*>(bytes.data()) + bytes.size());
  } catch (const json::exception& e) {
    zarr_file_error(file, std::string("not valid JSON (") + e.what() + ")");
  }
}

ZarrArray read_zarr_array(const fs::path& folder) {
  const fs::path file = folder / ".zarray";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw Error(ErrorCode::io, "\"" + file.string() + "\" does not exist: not a zarr array");
  const json meta = read_zarr_json(file);
  if (!meta.is_object()) zarr_file_error(file, "not a JSON object");
  ZarrArray a;
  a.folder = folder;
  if (meta.value("zarr_format", json()) != json(2))
    zarr_file_error(file, "zarr_format " + meta.value("zarr_format", json()).dump() + " is not supported (expected 2)");
  a.shape = parse_extents(file, meta, "shape");
  a.chunks = parse_extents(file, meta, "chunks");
  if (a.chunks.size() != a.shape.size())
    zarr_file_error(file, "chunks " + meta["chunks"].dump() + " and shape " + meta["shape"].dump() + " differ in rank");
  parse_dtype(file, meta.value("dtype", json()), a);
  // A chunk is decoded whole in memory (and blosc holds at most 2 GiB): refuse absurd chunk sizes
  // before allocating them.
  double chunk_bytes = static_cast<double>(dtype_size(a.dtype));
  for (std::int64_t n : a.chunks) chunk_bytes *= static_cast<double>(n);
  if (chunk_bytes > static_cast<double>(std::numeric_limits<std::int32_t>::max()) - BLOSC_MAX_OVERHEAD)
    zarr_file_error(file, "chunks " + meta["chunks"].dump() + " hold " + std::to_string(static_cast<unsigned long long>(std::min(chunk_bytes, 1.8e19))) +
                  " bytes each, more than the 2 GiB a chunk may hold");
  const json order = meta.value("order", json("C"));
  if (order != json("C") && order != json("F")) zarr_file_error(file, "order " + order.dump() + " is not \"C\" or \"F\"");
  a.fortran_order = order == json("F");
  a.fill_value = parse_fill_value(file, meta.value("fill_value", json()));
  a.compressor = parse_compressor(file, meta.value("compressor", json()));
  const json filters = meta.value("filters", json());
  if (!filters.is_null() && !(filters.is_array() && filters.empty()))
    zarr_file_error(file, "filters " + filters.dump() + " are not supported (expected null)");
  const json separator = meta.value("dimension_separator", json("."));
  if (separator != json(".") && separator != json("/"))
    zarr_file_error(file, "dimension_separator " + separator.dump() + " is not \".\" or \"/\"");
  a.separator = separator.get<std::string>()[0];
  return a;
}

void write_zarr_array(const ZarrArray& a) {
  static const char* const names[] = {"|b1", "|u1", "|i1", "<u2", "<i2", "<u4", "<i4", "<u8", "<i8", "<f4", "<f8"};
  json compressor = nullptr;
  if (a.compressor.id == "blosc")
    compressor = {{"id", "blosc"}, {"cname", a.compressor.cname}, {"clevel", a.compressor.level},
                  {"shuffle", a.compressor.shuffle}, {"blocksize", 0}};
  const json meta = {{"zarr_format", 2},
                     {"shape", a.shape},
                     {"chunks", a.chunks},
                     {"dtype", names[static_cast<int>(a.dtype)]},
                     {"order", "C"},
                     {"fill_value", 0},
                     {"compressor", compressor},
                     {"filters", nullptr},
                     {"dimension_separator", std::string(1, a.separator)}};
  fs::create_directories(a.folder);
  std::ofstream f(a.folder / ".zarray", std::ios::trunc);
  f << meta.dump(4) << "\n";
  f.close();
  if (!f) throw Error(ErrorCode::io, "cannot write \"" + (a.folder / ".zarray").string() + "\"");
}

}  // namespace deepimage::io
