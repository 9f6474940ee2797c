// Helpers of the fuzz entries: a scratch folder per process, splitting one input into several files,
// a box chosen by the input.
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

#include "deepimage/error.hpp"
#include "fuzz/fuzz_targets.hpp"

namespace deepimage::fuzz {

const std::filesystem::path& scratch_folder() {
  static const std::filesystem::path folder = [] {
    std::error_code ec;
    const std::filesystem::path shm = "/dev/shm";
    const std::filesystem::path base = std::filesystem::is_directory(shm, ec) ? shm : std::filesystem::temp_directory_path();
    auto path = base / ("deepimage-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  return folder;
}

const std::filesystem::path& fresh_scratch_folder() {
  const auto& folder = scratch_folder();
  for (const auto& entry : std::filesystem::directory_iterator(folder)) std::filesystem::remove_all(entry.path());
  return folder;
}

void write_file(const std::filesystem::path& path, Bytes bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  // The harness's own failure (a full /dev/shm), never the parser's: abort rather than report a
  // parser error for a file that was not written.
  if (!out) throw std::runtime_error("fuzz harness: cannot write " + path.string());
}

std::vector<std::byte> to_bytes(Bytes bytes) {
  const auto* begin = reinterpret_cast<const std::byte*>(bytes.data());
  return {begin, begin + bytes.size()};
}

std::vector<Bytes> split(Bytes bytes, std::size_t parts) {
  const std::string separator = kPartSeparator;
  std::vector<Bytes> out;
  const auto* sep = reinterpret_cast<const std::uint8_t*>(separator.data());
  while (out.size() + 1 < parts) {
    auto at = std::search(bytes.begin(), bytes.end(), sep, sep + separator.size());
    if (at == bytes.end()) break;
    const auto length = static_cast<std::size_t>(at - bytes.begin());
    out.push_back(bytes.first(length));
    bytes = bytes.subspan(length + separator.size());
  }
  out.push_back(bytes);
  while (out.size() < parts) out.push_back({});
  return out;
}

Box box_from(Bytes key, const Shape& shape, std::int64_t max_elements) {
  for (std::int64_t size : shape)
    if (size <= 0) return {};
  // A small generator seeded by the key: each key byte changes every coordinate.
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  for (std::uint8_t b : key) state = (state ^ b) * 0x100000001b3ull;
  auto next = [&state] {
    state ^= state >> 33;
    state *= 0xff51afd7ed558ccdull;
    state ^= state >> 33;
    return state;
  };
  Box box;
  std::int64_t elements = 1;
  for (std::int64_t size : shape) {
    const auto begin = static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(size));
    // Extents shrink so the box stays below max_elements (at least 1 along every axis).
    const std::int64_t room = std::max<std::int64_t>(1, max_elements / elements);
    const std::int64_t most = std::min(size - begin, room);
    const auto extent = 1 + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(most));
    elements *= extent;
    box.begin.push_back(begin);
    box.end.push_back(begin + extent);
  }
  return box;
}

std::int64_t byte_count(const Shape& shape, std::size_t element_bytes) {
  // Saturating: a declared shape may overflow int64.
  std::int64_t bytes = static_cast<std::int64_t>(element_bytes);
  for (std::int64_t size : shape) {
    if (size < 0) return INT64_MAX;
    if (size != 0 && bytes > INT64_MAX / size) return INT64_MAX;
    bytes *= size;
  }
  return bytes;
}

}  // namespace deepimage::fuzz
