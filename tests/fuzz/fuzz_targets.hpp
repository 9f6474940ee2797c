// The fuzz targets: one entry function per parser, fed arbitrary bytes. An entry returns normally or
// throws deepimage::Error (the parser refused the input, as it should); anything else (another
// exception, a crash, a sanitizer report, a hang, a huge allocation) is a finding.
//
//   for (const FuzzTarget& t : fuzz_targets()) t.run(bytes);   // what the regression test does
//
// Two programs call them: fuzz_main.cpp, the libFuzzer main of each target (DEEPIMAGE_BUILD_FUZZ,
// scripts/fuzz.sh), and fuzz_regressions_test.cpp, which replays every saved finding
// (tests/data/fuzz/<target>/) in the ordinary test suite. docs/reliability.md ("Fuzzing") lists them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/box.hpp"
#include "deepimage/tensor.hpp"

namespace deepimage::fuzz {

using Bytes = std::span<const std::uint8_t>;

struct FuzzTarget {
  const char* name;     // "tiff": the executable is fuzz_tiff, its findings tests/data/fuzz/tiff/
  const char* feeds;    // one line: what the bytes become
  void (*run)(Bytes);
};

// In one plain list (fuzz_targets.cpp), behind the build's options.
const std::vector<FuzzTarget>& fuzz_targets();
const FuzzTarget* find_fuzz_target(const std::string& name);

// The entry functions, one per file (<name>_fuzz.cpp).
void fuzz_tiff(Bytes bytes);
void fuzz_npy(Bytes bytes);
void fuzz_ome_zarr(Bytes bytes);
void fuzz_rdf(Bytes bytes);
void fuzz_bundle(Bytes bytes);
void fuzz_deepimagej_config(Bytes bytes);
void fuzz_onnx(Bytes bytes);
void fuzz_tf_saved_model(Bytes bytes);
void fuzz_tf_tensor_bundle(Bytes bytes);
void fuzz_keras(Bytes bytes);

// --- helpers of the entries (fuzz_support.cpp) ---

// A folder of this process's own, emptied before each input (parsers that need a path read files
// written into it). Under /dev/shm when it exists: a fuzz target writes a file per input.
const std::filesystem::path& scratch_folder();
// scratch_folder() emptied; returns it.
const std::filesystem::path& fresh_scratch_folder();
void write_file(const std::filesystem::path& path, Bytes bytes);
std::vector<std::byte> to_bytes(Bytes bytes);
// How a target that needs several files takes them from one input: the files' bytes joined by this
// line (scripts/fuzz_seeds.py writes seeds so).
inline constexpr const char* kPartSeparator = "\n----\n";
// `bytes` split at the first `parts - 1` separators; missing parts are empty.
std::vector<Bytes> split(Bytes bytes, std::size_t parts);

// A box inside `shape` chosen by `key` (the input's last bytes: mutations move it), at most
// `max_elements` elements, never empty. Empty box (rank 0) for a shape with a zero size.
Box box_from(Bytes key, const Shape& shape, std::int64_t max_elements);

// Whole reads of a declared size above this are skipped: a small file may legitimately declare a large
// image (compressed, or read box by box); the region reads cover it.
inline constexpr std::int64_t kMaxWholeReadBytes = std::int64_t{64} << 20;
std::int64_t byte_count(const Shape& shape, std::size_t element_bytes);

}  // namespace deepimage::fuzz
