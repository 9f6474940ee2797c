// Engine modules (engine_module.hpp): the registry opens the torchscript module on demand from the
// build tree, an Error thrown inside it is the one deepimage::Error type outside, and a module that is
// missing, not a library, or lacks the entry point is one Error naming its path and the reason.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <typeinfo>

#include "deepimage/error.hpp"
#include "engine/engine.hpp"
#include "engine/engine_module.hpp"
#include "model/model.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

// Points DEEPIMAGE_MODULE_DIR at `dir` until the object goes.
class ModuleDirOverride {
 public:
  explicit ModuleDirOverride(const fs::path& dir) {
    if (const char* old = std::getenv("DEEPIMAGE_MODULE_DIR")) old_ = old;
    setenv("DEEPIMAGE_MODULE_DIR", dir.c_str(), 1);
  }
  ~ModuleDirOverride() {
    if (old_.empty()) unsetenv("DEEPIMAGE_MODULE_DIR");
    else setenv("DEEPIMAGE_MODULE_DIR", old_.c_str(), 1);
  }
  ModuleDirOverride(const ModuleDirOverride&) = delete;
  ModuleDirOverride& operator=(const ModuleDirOverride&) = delete;

 private:
  std::string old_;
};

// The message of the Error `f` throws, after checking it is a deepimage::Error with `code`.
template <class F>
std::string error_of(F f, ErrorCode code) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no deepimage::Error thrown";
  return {};
}

TEST(EngineModule, ModulesAreFoundBesideTheEngineLibraryInTheBuildTree) {
  if (std::getenv("DEEPIMAGE_MODULE_DIR")) GTEST_SKIP() << "DEEPIMAGE_MODULE_DIR is set";
  EXPECT_EQ(engine::engine_module_dir(), fs::canonical(DEEPIMAGE_MODULE_OUTPUT_DIR));
  EXPECT_TRUE(fs::exists(engine::engine_module_dir() / "libdeepimage_engine_torchscript.so"));
}

TEST(EngineModule, TheModuleDirectoryCanBeOverridden) {
  TempDir dir;
  const ModuleDirOverride modules(dir.path());
  EXPECT_EQ(engine::engine_module_dir(), dir.path());
}

// A file that is not TorchScript: LibTorch's error, thrown as deepimage::Error inside the module, is
// caught here by that type, and its type information is the very object this binary uses (one copy in
// libdeepimage_core, none in the module or the test).
TEST(EngineModule, AnErrorThrownInsideTheModuleIsTheSameTypeOutside) {
  TempDir dir;
  fs::copy(source_dir() / "examples/nuclei_unet2d", dir / "model", fs::copy_options::recursive);
  std::ofstream(dir / "model/weights.pt") << "not a TorchScript archive";
  model::Model model = model::open_model(dir / "model");
  WeightsSpec weights = *model.spec.weights_for("torchscript");
  weights.sha256.clear();  // so that the file reaches LibTorch
  try {
    engine::load_engine(model, weights, {.threads = 1});
    ADD_FAILURE() << "a broken TorchScript file loaded";
  } catch (const Error& e) {
    EXPECT_EQ(&typeid(e), &typeid(Error));
    EXPECT_EQ(e.code(), ErrorCode::engine);
    EXPECT_EQ(std::string(e.what()).rfind("weights.pt: LibTorch cannot load this TorchScript file: ", 0), 0u) << e.what();
  }
}

TEST(EngineModule, AMissingModuleIsAnErrorNamingItsPath) {
  TempDir dir;
  const ModuleDirOverride modules(dir.path());
  const engine::EngineInfo info = engine::engine_module("absent", {"absent"}, "nothing 1.0");
  const fs::path path = dir / "libdeepimage_engine_absent.so";
  const std::string message = error_of([&] { info.describe_layers(model::open_model(source_dir() / "examples/nuclei_unet2d"), {}, {}); },
                                       ErrorCode::engine);
  EXPECT_EQ(message, "the absent engine module \"" + path.string() + "\" cannot be loaded: " + path.string() +
                         ": cannot open shared object file: No such file or directory (DEEPIMAGE_MODULE_DIR names the "
                         "folder of the modules)");
}

TEST(EngineModule, AFileThatIsNoLibraryIsAnErrorWithTheLoadersReason) {
  TempDir dir;
  std::ofstream(dir / "libdeepimage_engine_garbage.so") << std::string(4096, 'x');  // long enough to have a header
  const ModuleDirOverride modules(dir.path());
  const engine::EngineInfo info = engine::engine_module("garbage", {"garbage"}, "nothing 1.0");
  const std::string message = error_of([&] { info.describe_layers(model::open_model(source_dir() / "examples/nuclei_unet2d"), {}, {}); },
                                       ErrorCode::engine);
  EXPECT_NE(message.find("the garbage engine module \"" + (dir / "libdeepimage_engine_garbage.so").string() + "\" cannot be loaded: "),
            std::string::npos) << message;
  EXPECT_NE(message.find("invalid ELF header"), std::string::npos) << message;
}

// A real shared library without the entry point (libdeepimage_core itself, copied under a module's name).
TEST(EngineModule, ALibraryWithoutTheEntryPointIsAnErrorNamingIt) {
  TempDir dir;
  fs::copy_file(fs::path(DEEPIMAGE_MODULE_OUTPUT_DIR).parent_path() / "libdeepimage_core.so", dir / "libdeepimage_engine_noentry.so");
  const ModuleDirOverride modules(dir.path());
  const engine::EngineInfo info = engine::engine_module("noentry", {"noentry"}, "nothing 1.0");
  const std::string message = error_of([&] { info.describe_layers(model::open_model(source_dir() / "examples/nuclei_unet2d"), {}, {}); },
                                       ErrorCode::engine);
  EXPECT_NE(message.find("libdeepimage_engine_noentry.so\" cannot be loaded: "), std::string::npos) << message;
  EXPECT_NE(message.find("undefined symbol: deepimage_engine_functions"), std::string::npos) << message;
}

}  // namespace
}  // namespace deepimage::testing
