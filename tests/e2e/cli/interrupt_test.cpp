// Ctrl-C in the middle of a run: the run stops within a tile, says so, exits 130, and leaves no
// output and no temporary file behind.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fcntl.h>
#include <thread>

#include "io/npy.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

TEST(Interrupt, SigintStopsTheRunAndLeavesNothing) {
  TempDir dir;
  // 1024 x 1024 in 96-pixel tiles with a 40-pixel halo: 4096 tiles, many seconds of work.
  Tensor image(DType::f32, {1024, 1024}, "yx");
  for (std::int64_t i = 0; i < image.element_count(); ++i) image.data<float>()[i] = float((i * 7919) % 251);
  io::write_npy(image, dir / "big.npy");

  const std::string err_path = (dir.path().parent_path() / ("interrupt_err_" + std::to_string(getpid()))).string();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const int fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDERR_FILENO);
    const std::string model = (source_dir() / "examples/nuclei_unet2d").string(), input = (dir / "big.npy").string(),
                      output = (dir / "out.tif").string();
    execl(DEEPIMAGE_CLI, DEEPIMAGE_CLI, "run", model.c_str(), input.c_str(), "-o", output.c_str(), "--tile", "y=96,x=96",
          "--threads", "1", static_cast<char*>(nullptr));
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
  EXPECT_EQ(left, std::vector<std::string>{"big.npy"});
}

}  // namespace
}  // namespace deepimage::testing
