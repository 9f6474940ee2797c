// Ctrl-C in the middle of a run: the run stops within a tile, says so, exits 130, and leaves no
// output and no temporary file behind.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fcntl.h>
#include <thread>

#include "io/image.hpp"
#include "io/npy.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

// Where the input comes from decides how the output is written: whole at the end (.npy), a slice at
// a time (TIFF stack) or rows at a time (TIFF plane read in parts). Interrupted after 3 s, the last
// two have written part of their output to a temporary file, which must go too.
struct Case {
  const char* name;
  const char* file;
  std::vector<std::string> extra;
};

class Interrupt : public ::testing::TestWithParam<Case> {};

TEST_P(Interrupt, SigintStopsTheRunAndLeavesNothing) {
  TempDir dir;
  const std::string file = GetParam().file;
  if (file == "big.npy") {
    // 1024 x 1024 in 96-pixel tiles with a 40-pixel halo: 4096 tiles, many seconds of work.
    Tensor image(DType::f32, {1024, 1024}, "yx");
    for (std::int64_t i = 0; i < image.element_count(); ++i) image.data<float>()[i] = float((i * 7919) % 251);
    io::write_npy(image, dir / file);
  } else {
    // 40 slices of 128 x 128 (64 tiles each, about a second), or one 1024 x 1024 plane.
    const bool stack = file == "stack.tif";
    Tensor image(DType::u8, stack ? Shape{40, 128, 128} : Shape{1024, 1024}, stack ? "zyx" : "yx");
    for (std::int64_t i = 0; i < image.element_count(); ++i) image.data<std::uint8_t>()[i] = static_cast<std::uint8_t>((i * 7919) % 251);
    io::write_image({image, std::nullopt}, dir / file);
  }

  const std::string err_path = (dir.path().parent_path() / ("interrupt_err_" + std::to_string(getpid()))).string();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const int fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDERR_FILENO);
    std::vector<std::string> args = {DEEPIMAGE_CLI, "run", (source_dir() / "examples/nuclei_unet2d").string(), (dir / file).string(),
                                     "-o", (dir / "out.tif").string(), "--tile", "y=96,x=96", "--threads", "1"};
    args.insert(args.end(), GetParam().extra.begin(), GetParam().extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(DEEPIMAGE_CLI, argv.data());
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::seconds(3));  // past start-up, in the middle of the tiles
  kill(child, SIGINT);
  int status = 0;
  waitpid(child, &status, 0);
  const std::string err = slurp(err_path);
  std::filesystem::remove(err_path);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by a signal instead of stopping: " << err;
  EXPECT_EQ(WEXITSTATUS(status), 130) << err;
  EXPECT_NE(err.find("interrupted after"), std::string::npos) << err;
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{file});
}

INSTANTIATE_TEST_SUITE_P(Inputs, Interrupt,
                         ::testing::Values(Case{"whole", "big.npy", {}}, Case{"stack_slice_by_slice", "stack.tif", {}},
                                           Case{"plane_in_rows", "plane.tif", {"--read-in-parts"}}),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace deepimage::testing
