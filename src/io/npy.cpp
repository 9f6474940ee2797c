// .npy layout: "\x93NUMPY", major, minor, header length (uint16 for version 1, uint32 for 2 and 3),
// then a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 512, 512), }
// padded with spaces and a newline, then the raw data. descr is byte order ('<' little, '>' big,
// '|' not applicable, '=' native) + kind (b bool, u, i, f) + item size; '?' is another name for bool.
#include "io/npy.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>

#include "core/checked_math.hpp"
#include "deepimage/error.hpp"

namespace deepimage::io {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;

[[noreturn]] void fail(const std::string& name, const std::string& what) {
  throw Error(ErrorCode::io, "\"" + name + "\" is not a valid .npy file: " + what);
}

// A value of the header dict: a string, a bool, or a tuple of integers.
struct HeaderValue {
  enum class Kind { string, boolean, tuple } kind = Kind::string;
  std::string text;
  bool flag = false;
  Shape tuple;
};

// Parses the header dict literal; just enough Python syntax for what numpy writes.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& name) : text_(text), name_(name) {}

  std::map<std::string, HeaderValue> parse() {
    std::map<std::string, HeaderValue> dict;
    expect('{');
    while (!accept('}')) {
      HeaderValue key = value();
      if (key.kind != HeaderValue::Kind::string) error("a dict key is not a string");
      expect(':');
      dict[key.text] = value();
      if (!accept(',')) {
        expect('}');
        break;
      }
    }
    skip_space();
    if (pos_ != text_.size()) error("unexpected text after the dict");
    return dict;
  }

 private:
  [[noreturn]] void error(const std::string& what) {
    fail(name_, "malformed header " + quoted_header() + ": " + what);
  }
  std::string quoted_header() const {
    std::string h(text_);
    while (!h.empty() && (h.back() == ' ' || h.back() == '\n')) h.pop_back();
    return "\"" + h.substr(0, 200) + "\"";
  }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\t')) ++pos_;
  }
  bool accept(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) return ++pos_, true;
    return false;
  }
  void expect(char c) {
    if (!accept(c)) error(std::string("expected '") + c + "'");
  }
  bool accept_word(std::string_view w) {
    skip_space();
    if (text_.substr(pos_, w.size()) == w) return pos_ += w.size(), true;
    return false;
  }
  std::int64_t integer() {
    skip_space();
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    if (start == pos_ || pos_ - start > 18) error("expected a dimension size");
    std::int64_t v = std::stoll(std::string(text_.substr(start, pos_ - start)));
    if (accept('L')) {}  // Python 2 longs
    return v;
  }
  HeaderValue value() {
    HeaderValue v;
    skip_space();
    if (accept('\'') || accept('"')) {
      const char quote = text_[pos_ - 1];
      const auto end = text_.find(quote, pos_);
      if (end == std::string_view::npos) error("unterminated string");
      v.text = std::string(text_.substr(pos_, end - pos_));
      pos_ = end + 1;
    } else if (accept_word("True")) {
      v.kind = HeaderValue::Kind::boolean;
      v.flag = true;
    } else if (accept_word("False")) {
      v.kind = HeaderValue::Kind::boolean;
    } else if (accept('(')) {
      v.kind = HeaderValue::Kind::tuple;
      while (!accept(')')) {
        v.tuple.push_back(integer());
        if (!accept(',')) {
          expect(')');
          break;
        }
      }
    } else if (accept('[')) {
      error("structured dtypes are not supported");
    } else {
      error("expected a string, True/False or a tuple");
    }
    return v;
  }

  std::string_view text_;
  const std::string& name_;
  std::size_t pos_ = 0;
};

struct Descr {
  DType dtype;
  bool swap;  // stored in the other byte order than this machine's
};

Descr parse_descr(const std::string& descr, const std::string& name) {
  auto unsupported = [&]() -> Descr {
    throw Error(ErrorCode::unsupported, "\"" + name + "\" holds dtype '" + descr +
                                            "' (expected bool, (u)int8/16/32/64 or float32/64)");
  };
  if (descr.size() < 2) unsupported();
  const char order = descr[0];
  std::string kind = descr.substr(1);
  if (order != '<' && order != '>' && order != '|' && order != '=') unsupported();
  if (kind == "?") kind = "b1";
  static const std::map<std::string, DType> kinds = {
      {"b1", DType::boolean}, {"u1", DType::u8},  {"i1", DType::i8},  {"u2", DType::u16},
      {"i2", DType::i16},     {"u4", DType::u32}, {"i4", DType::i32}, {"u8", DType::u64},
      {"i8", DType::i64},     {"f4", DType::f32}, {"f8", DType::f64}};
  const auto it = kinds.find(kind);
  if (it == kinds.end()) unsupported();
  const bool little_host = std::endian::native == std::endian::little;
  const bool swap = dtype_size(it->second) > 1 && ((order == '<' && !little_host) || (order == '>' && little_host));
  return {it->second, swap};
}

void swap_bytes(std::byte* data, std::size_t count, std::size_t size) {
  for (std::size_t i = 0; i < count; ++i) std::reverse(data + i * size, data + (i + 1) * size);
}

// Fortran-ordered data of `shape` is C-ordered data of the reversed shape; transposing that gives C order.
void fortran_to_c(Tensor& t) {
  const Shape shape = t.shape();
  const std::size_t r = shape.size(), es = dtype_size(t.dtype());
  if (r < 2) return;
  Shape reversed(shape.rbegin(), shape.rend());
  const auto src_strides = strides_of(reversed);  // strides of the stored array, reversed axis order
  std::vector<std::byte> out(t.byte_count());
  std::vector<std::int64_t> idx(r, 0);
  std::int64_t src = 0;
  const std::int64_t n = t.element_count();
  for (std::int64_t k = 0; k < n; ++k) {
    std::memcpy(out.data() + static_cast<std::size_t>(k) * es, t.bytes() + static_cast<std::size_t>(src) * es, es);
    for (std::size_t d = r; d-- > 0;) {  // odometer over the C-order index of `shape`
      const std::int64_t stride = src_strides[r - 1 - d];
      src += stride;
      if (++idx[d] < shape[d]) break;
      src -= stride * shape[d];
      idx[d] = 0;
    }
  }
  std::memcpy(t.bytes(), out.data(), out.size());
}

std::string descr_of(DType t) {
  switch (t) {
    case DType::boolean: return "|b1";
    case DType::u8: return "|u1";
    case DType::i8: return "|i1";
    case DType::u16: return "<u2";
    case DType::i16: return "<i2";
    case DType::u32: return "<u4";
    case DType::i32: return "<i4";
    case DType::u64: return "<u8";
    case DType::i64: return "<i8";
    case DType::f32: return "<f4";
    case DType::f64: return "<f8";
  }
  throw Error(ErrorCode::internal, "no .npy descr for dtype");
}

}  // namespace

NpyHeader read_npy_header(std::span<const std::byte> bytes, const std::string& name) {
  if (bytes.size() < kMagicSize + 4 || std::memcmp(bytes.data(), kMagic, kMagicSize) != 0)
    fail(name, "it does not start with \"\\x93NUMPY\"");
  const auto byte_at = [&](std::size_t i) { return std::to_integer<std::size_t>(bytes[i]); };
  const std::size_t major = byte_at(6);
  std::size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = byte_at(8) | byte_at(9) << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(name, "the header is truncated");
    header_len = byte_at(8) | byte_at(9) << 8 | byte_at(10) << 16 | byte_at(11) << 24;
    header_start = 12;
  } else {
    fail(name, "format version " + std::to_string(major) + " (expected 1, 2 or 3)");
  }
  if (bytes.size() < header_start + header_len) fail(name, "the header is truncated");
  const std::string_view header(reinterpret_cast<const char*>(bytes.data()) + header_start, header_len);
  const auto dict = HeaderParser(header, name).parse();

  const auto field = [&](const char* key, HeaderValue::Kind kind) -> const HeaderValue& {
    const auto it = dict.find(key);
    if (it == dict.end() || it->second.kind != kind)
      fail(name, std::string("the header has no valid '") + key + "' entry");
    return it->second;
  };
  const Descr descr = parse_descr(field("descr", HeaderValue::Kind::string).text, name);
  const bool fortran = field("fortran_order", HeaderValue::Kind::boolean).flag;
  const Shape shape = field("shape", HeaderValue::Kind::tuple).tuple;

  const std::size_t es = dtype_size(descr.dtype);
  // The header's sizes are the file's word only: their product must not wrap around.
  const auto checked_count = checked_product(shape);
  const auto checked_bytes = checked_count ? checked_multiply(*checked_count, static_cast<std::int64_t>(es)) : std::nullopt;
  if (!checked_bytes)
    fail(name, "the header's shape " + shape_to_string(shape) + " of " + std::string(to_string(descr.dtype)) +
                   " needs more than 2^63 bytes");
  const std::int64_t count = *checked_count;
  const std::size_t available = bytes.size() - header_start - header_len;
  const std::size_t needed = static_cast<std::size_t>(*checked_bytes);
  const std::string type_name(to_string(descr.dtype));
  if (available < needed)
    fail(name, "the data is truncated: shape " + shape_to_string(shape) + " needs " + std::to_string(count) + " " +
                   type_name + " values (" + std::to_string(needed) + " bytes) but " + std::to_string(available) +
                   " bytes follow the header");
  if (available > needed)
    fail(name, "the header's shape " + shape_to_string(shape) + " holds " + std::to_string(count) + " " + type_name +
                   " values but " + std::to_string(available) + " bytes (" + std::to_string(available / es) +
                   " values) follow the header");

  return {descr.dtype, shape, fortran, descr.swap, header_start + header_len};
}

void npy_to_native(const NpyHeader& header, std::byte* values, std::size_t count) {
  if (header.swapped) swap_bytes(values, count, dtype_size(header.dtype));
  if (header.dtype == DType::boolean)  // numpy treats any non-zero byte as True; we store 0/1
    for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<std::byte>(values[i] != std::byte{0});
}

Tensor read_npy_bytes(std::span<const std::byte> bytes, const std::string& name) {
  const NpyHeader header = read_npy_header(bytes, name);
  Tensor t(header.dtype, header.shape);
  // An empty array (a zero in its shape) has no storage: memcpy must not see its null pointer.
  if (t.byte_count() == 0) return t;
  std::memcpy(t.bytes(), bytes.data() + header.data_offset, t.byte_count());
  npy_to_native(header, t.bytes(), static_cast<std::size_t>(t.element_count()));
  if (header.fortran_order) fortran_to_c(t);
  return t;
}

Tensor read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io, "cannot open \"" + path.string() + "\" for reading");
  std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorCode::io, "cannot read \"" + path.string() + "\"");
  return read_npy_bytes(std::as_bytes(std::span(data)), path.string());
}

std::vector<std::byte> npy_header_bytes(DType dtype, const Shape& shape) {
  std::string shape_text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) shape_text += std::to_string(shape[i]) + ", ";
  if (shape.size() == 1) shape_text.resize(shape_text.size() - 1);      // "(5,)"
  else if (shape.size() > 1) shape_text.resize(shape_text.size() - 2);  // "(2, 3)"
  shape_text += ")";
  std::string header = "{'descr': '" + descr_of(dtype) + "', 'fortran_order': False, 'shape': " + shape_text + ", }";
  // numpy pads so the data starts at a multiple of 64 bytes, and ends the header with a newline.
  const std::size_t total = (kMagicSize + 4 + header.size() + 1 + 63) / 64 * 64;
  header.append(total - kMagicSize - 4 - header.size() - 1, ' ');
  header += '\n';

  std::vector<std::byte> out(total);
  std::memcpy(out.data(), kMagic, kMagicSize);
  out[6] = std::byte{1};
  out[7] = std::byte{0};
  out[8] = static_cast<std::byte>(header.size() & 0xff);
  out[9] = static_cast<std::byte>(header.size() >> 8);
  std::memcpy(out.data() + 10, header.data(), header.size());
  return out;
}

std::vector<std::byte> npy_bytes(const Tensor& tensor) {
  std::vector<std::byte> out = npy_header_bytes(tensor.dtype(), tensor.shape());
  const std::size_t total = out.size();
  out.resize(total + tensor.byte_count());
  std::memcpy(out.data() + total, tensor.bytes(), tensor.byte_count());
  if constexpr (std::endian::native == std::endian::big)
    swap_bytes(out.data() + total, static_cast<std::size_t>(tensor.element_count()), dtype_size(tensor.dtype()));
  return out;
}

void write_npy(const Tensor& tensor, const std::filesystem::path& path) {
  const auto bytes = npy_bytes(tensor);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorCode::io, "cannot create \"" + path.string() + "\"");
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw Error(ErrorCode::io, "cannot write \"" + path.string() + "\" (disk full?)");
}

}  // namespace deepimage::io
