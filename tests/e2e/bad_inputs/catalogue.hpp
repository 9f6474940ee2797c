// The catalogue of bad inputs: each entry makes a bad file (or names a bad argument), runs the real
// CLI on it and checks deepimage's promise for bad input (docs/reliability.md):
// - exit code 1 (2 for usage errors), and one line on stderr, "error: ...", holding the words the
//   entry lists: the file, field or value and what was expected;
// - nothing on stdout, no output file and no temporary file in the output folder;
// - every input (the files made for the entry and the real models and images it names) unchanged.
//
//   Entry{.name = "npy_float16",
//         .input = "a .npy of float16",
//         .make = [](const Dirs& d) { write_npy_with(d.in / "half.npy", "<f2", "(64, 64)", 8192);
//                                     return run_args(d, example_model(), d.in / "half.npy"); },
//         .message = {"\"IN/half.npy\" holds dtype '<f2' (expected"}}
//
// In `message` and in the table the catalogue prints (DEEPIMAGE_CATALOGUE_TABLE=file), IN/ stands
// for the entry's input folder, OUT/ for its output folder, SRC/ for the source tree and REAL/ for
// ../shared/realdata.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "support/cli.hpp"

namespace deepimage::testing {

struct Dirs {
  std::filesystem::path in, out;  // out: the output folder (absent for OutputFolder::missing)
};

// What the output folder is when the command runs.
enum class OutputFolder {
  plain,      // an empty folder
  missing,    // does not exist
  read_only,  // a read-only file system (a tmpfs mounted ro: root ignores permission bits)
  full,       // a 64 KiB tmpfs, too small for the output (falls back to RLIMIT_FSIZE without mount)
};

struct Entry {
  std::string name;   // the test's name and the key of its row in docs/reliability.md
  std::string input;  // the bad input, in words
  // Makes the bad files under d.in and returns the command's arguments (without "deepimage").
  std::function<std::vector<std::string>(const Dirs&)> make;
  std::vector<std::string> message;  // each must appear in the one-line message
  int exit_code = 1;
  OutputFolder output = OutputFolder::plain;
  // Puts files in the output folder before the command runs (an output that exists), if set.
  std::function<void(const Dirs&)> before = nullptr;
  bool needs_realdata = false;
};

// The catalogue, one list per kind of input (one file each).
std::vector<Entry> image_file_entries();     // image_files_test.cpp
std::vector<Entry> model_file_entries();     // model_files_test.cpp
std::vector<Entry> weights_file_entries();   // weights_files_test.cpp
std::vector<Entry> zip_file_entries();       // zip_files_test.cpp
std::vector<Entry> argument_entries();       // arguments_test.cpp
std::vector<Entry> output_entries();         // outputs_test.cpp
// The entries that are tests of their own (signals: signals_test.cpp), by name.
std::vector<std::string> signal_entry_names();

// gtest prints an entry by its name (not as 168 bytes).
inline void PrintTo(const Entry& e, std::ostream* os) { *os << e.name; }

class Catalogue : public ::testing::TestWithParam<Entry> {};
std::string entry_name(const ::testing::TestParamInfo<Entry>& info);

// Runs one entry and checks the promise above.
void check_entry(const Entry& e);

// --- helpers for making entries ---

std::filesystem::path example_model();  // examples/nuclei_unet2d (torchscript + onnx)
std::filesystem::path example_image();  // examples/images/nuclei_bbbc038_0bf4b1.tif (256 x 256 uint8)
// {"run", model, inputs..., "-o", OUT/out.tif, extra...}
std::vector<std::string> run_args(const Dirs& d, const std::filesystem::path& model, const std::filesystem::path& input,
                                  const std::vector<std::string>& extra = {});
void write_file(const std::filesystem::path& path, const std::string& bytes);
// The first `fraction` of a file's bytes.
std::string head_of(const std::filesystem::path& path, double fraction);
// A .npy file with the given header fields and `data_bytes` zero bytes after the header.
void write_npy_with(const std::filesystem::path& path, const std::string& descr, const std::string& shape,
                    std::size_t data_bytes);
// Copies `bundle` to `to` and, for each file named in `replace`, writes its new bytes and puts their
// sha256 where the old file's sha256 was in `rdf`: a bundle whose hashes are right for its bad files.
std::filesystem::path bundle_with(const std::filesystem::path& bundle, const std::filesystem::path& to, const std::string& rdf,
                                  const std::vector<std::pair<std::string, std::string>>& replace);
// Copies the example model to `to` with `from` replaced by `to_text` in its rdf.yaml.
std::filesystem::path example_model_with(const std::filesystem::path& to, const std::string& from, const std::string& to_text);
std::string sha256_of(const std::string& bytes);
// A writable copy of the folder `from` (realdata is read-only).
void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace deepimage::testing
