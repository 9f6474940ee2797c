// Start-up: the executable maps no engine library (LibTorch, OpenCV, libgomp, TBB, protobuf) until a
// model needs one; an engine module is opened on demand; the libgomp it brings waits passively; and a
// deepimage::Error thrown inside a module is caught as one by the command line.
//
// What the dynamic loader maps is read from its own trace (LD_DEBUG=files prints "file=<name>" for
// every object it loads, at start-up and by dlopen); libgomp's real wait policy from its own report
// (OMP_DISPLAY_ENV=verbose prints GOMP_SPINCOUNT, 0 when threads sleep at once; OMP_WAIT_POLICY
// alone reads 'PASSIVE' also for libgomp's spinning default).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <optional>

#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

// Sets (or with nullopt removes) an environment variable of this process, and so of the CLI it runs,
// until the object goes.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value) setenv(name_.c_str(), value->c_str(), 1);
    else unsetenv(name_.c_str());
  }
  ~ScopedEnv() {
    if (old_) setenv(name_.c_str(), old_->c_str(), 1);
    else unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

fs::path example_model() { return source_dir() / "examples/nuclei_unet2d"; }

// A copy of the example bundle with `edit` applied to its rdf.yaml text; each `from` must be there.
fs::path example_copy(const TempDir& dir, const std::vector<std::pair<std::string, std::string>>& edits) {
  const fs::path copy = dir / "model";
  fs::copy(example_model(), copy, fs::copy_options::recursive);
  std::string rdf = slurp(copy / "rdf.yaml");
  for (const auto& [from, to] : edits) {
    const auto at = rdf.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) rdf.replace(at, from.size(), to);
  }
  std::ofstream(copy / "rdf.yaml") << rdf;
  return copy;
}

const std::string kTorchScriptWeights =
    "  torchscript:\n    source: weights.pt\n    sha256: d35db7758f3e352b541c01155bd82e70ca264d774370fb03cf92bf571daf8c0b\n"
    "    pytorch_version: \"1.13.1\"\n";

// The shared objects the loader maps while the CLI runs `args`, as its trace lists them.
std::string loaded_objects(const std::vector<std::string>& args, int expected_exit = 0) {
  const ScopedEnv trace("LD_DEBUG", "files");
  const CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, expected_exit) << r.err;
  std::string files;
  for (std::size_t at = r.err.find("file="); at != std::string::npos; at = r.err.find("file=", at + 1))
    files += r.err.substr(at, r.err.find_first_of(" \t\n", at) - at) + "\n";
  return files;
}

bool maps(const std::string& objects, const std::string& library) { return objects.find(library) != std::string::npos; }

const char* const kEngineLibraries[] = {"libtorch", "libc10", "libgomp", "libopencv", "libtbb", "libprotobuf", "libdnnl", "libhdf5"};

TEST(StartUp, VersionHelpAndEnginesMapNoEngineLibrary) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--version"}, {"--help"}, {"engines"}}) {
    const std::string objects = loaded_objects(args);
    EXPECT_TRUE(maps(objects, "libdeepimage_core.so")) << "the trace is empty or unreadable:\n" << objects;
    for (const char* library : kEngineLibraries) EXPECT_FALSE(maps(objects, library)) << args[0] << " maps " << library;
    EXPECT_FALSE(maps(objects, "libdeepimage_engine_")) << args[0] << " opened an engine module";
  }
}

// `engines` lists both engines with their versions without opening either.
TEST(StartUp, EnginesAreListedWithTheirVersionsWithoutLoading) {
  const CliResult r = run_cli({"engines"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("torchscript  LibTorch 1."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("native  deepimage graph engine on oneDNN "), std::string::npos) << r.out;
}

TEST(StartUp, InfoOfAnOnnxOnlyBundleOpensOnlyTheNativeModule) {
  TempDir dir;
  const fs::path model = example_copy(dir, {{kTorchScriptWeights, ""}, {"    parent: torchscript\n", ""}});
  const std::string objects = loaded_objects({"info", model.string()});
  EXPECT_TRUE(maps(objects, "lib/deepimage/libdeepimage_engine_native.so")) << objects;
  EXPECT_FALSE(maps(objects, "libdeepimage_engine_torchscript.so")) << objects;
  EXPECT_FALSE(maps(objects, "libtorch")) << objects;
  EXPECT_FALSE(maps(objects, "libc10")) << objects;
}

// TF SavedModels and Keras HDF5 files run on the native engine: LibTorch is never loaded for them, while
// the libraries their readers need (protobuf, HDF5) are, as the traces show.
TEST(StartUp, TfAndKerasModelsNeverLoadLibTorch) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const std::string tf = loaded_objects({"test", (realdata() / "tiktorch_dummy_tf_savedmodel").string()});
  EXPECT_TRUE(maps(tf, "lib/deepimage/libdeepimage_engine_native.so")) << tf;
  EXPECT_TRUE(maps(tf, "libprotobuf")) << tf;
  const std::string keras = loaded_objects({"info", (realdata() / "unet2d_pancreatic_keras_dij").string(), "--architecture",
                                            "--weights", "keras_hdf5"});
  EXPECT_TRUE(maps(keras, "libhdf5")) << keras;
  for (const std::string* objects : {&tf, &keras}) {
    EXPECT_FALSE(maps(*objects, "libdeepimage_engine_torchscript.so")) << *objects;
    EXPECT_FALSE(maps(*objects, "libtorch")) << *objects;
    EXPECT_FALSE(maps(*objects, "libc10")) << *objects;
  }
}

// The positive control of the two tests above: the trace does show LibTorch when a model needs it.
TEST(StartUp, InfoOfATorchScriptBundleOpensTheTorchScriptModuleAndLibTorch) {
  const std::string objects = loaded_objects({"info", example_model().string()});
  EXPECT_TRUE(maps(objects, "lib/deepimage/libdeepimage_engine_torchscript.so")) << objects;
  EXPECT_TRUE(maps(objects, "libtorch_cpu.so")) << objects;
  EXPECT_TRUE(maps(objects, "libgomp")) << objects;
}

std::string omp_report_of_a_torchscript_run(const TempDir& dir) {
  const ScopedEnv display("OMP_DISPLAY_ENV", "verbose");
  const CliResult r = run_cli({"run", example_model().string(), (example_model() / "sample_input.tif").string(), "-o",
                               (dir / "out.tif").string(), "--overwrite", "--weights", "torchscript", "--threads", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "out.tif"));
  return r.err;
}

// libgomp is loaded with the torchscript module, after main() has set OMP_WAIT_POLICY, and reads it
// then: no restart of the process is needed.
TEST(StartUp, TheOpenMpOfATorchScriptRunWaitsPassivelyUnlessTheUserSaysOtherwise) {
  TempDir dir;
  {
    const ScopedEnv unset("OMP_WAIT_POLICY", std::nullopt);
    const std::string report = omp_report_of_a_torchscript_run(dir);
    EXPECT_NE(report.find("OPENMP DISPLAY ENVIRONMENT BEGIN"), std::string::npos) << report;
    EXPECT_NE(report.find("GOMP_SPINCOUNT = '0'"), std::string::npos) << report;
  }
  {
    const ScopedEnv active("OMP_WAIT_POLICY", "ACTIVE");
    const std::string report = omp_report_of_a_torchscript_run(dir);
    EXPECT_NE(report.find("OMP_WAIT_POLICY = 'ACTIVE'"), std::string::npos) << report;
    EXPECT_NE(report.find("GOMP_SPINCOUNT = '"), std::string::npos) << report;
    EXPECT_EQ(report.find("GOMP_SPINCOUNT = '0'"), std::string::npos) << report;
  }
}

// LibTorch's error, raised in the module, reaches the command line as a deepimage::Error: `run` prints
// it as one line and exits 1, and `info`, which catches only deepimage::Error around each weights
// entry, reports the entry as not running instead of failing.
TEST(StartUp, AnErrorInsideTheTorchScriptModuleIsADeepimageErrorOutside) {
  TempDir dir;
  const fs::path model = example_copy(dir, {{"    sha256: d35db7758f3e352b541c01155bd82e70ca264d774370fb03cf92bf571daf8c0b\n", ""}});
  std::ofstream(model / "weights.pt") << "not a TorchScript archive";
  CliResult r = run_cli({"run", model.string(), (model / "sample_input.tif").string(), "-o", (dir / "out.tif").string(),
                         "--weights", "torchscript"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("error: weights.pt: LibTorch cannot load this TorchScript file: ", 0), 0u) << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out.tif"));

  r = run_cli({"info", model.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("torchscript  weights.pt  runs here: no (weights.pt: LibTorch cannot load this TorchScript file"),
            std::string::npos)
      << r.out;
}

// A module that cannot be opened is one line naming its path and the loader's reason.
TEST(StartUp, AMissingModuleIsOneLineNamingItsPath) {
  TempDir dir;
  const ScopedEnv modules("DEEPIMAGE_MODULE_DIR", dir.path().string());
  const CliResult r = run_cli({"run", example_model().string(), (example_model() / "sample_input.tif").string(), "-o",
                               (dir / "out.tif").string(), "--weights", "torchscript"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: the torchscript engine module \"" + (dir / "libdeepimage_engine_torchscript.so").string() +
                       "\" cannot be loaded: " + (dir / "libdeepimage_engine_torchscript.so").string() +
                       ": cannot open shared object file: No such file or directory (DEEPIMAGE_MODULE_DIR names the "
                       "folder of the modules)\n");
  EXPECT_FALSE(fs::exists(dir / "out.tif"));
}

}  // namespace
}  // namespace deepimage::testing
