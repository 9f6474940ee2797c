// Progress as users see it: a live bar redrawn in place on a terminal, plain lines in logs, and the
// image of a batch.
#include <gtest/gtest.h>

#include "io/image.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

// A z-stack of `slices` planes for the cheap laplace2d_tiny fixture.
fs::path make_stack(const fs::path& dir, const std::string& name, std::int64_t slices) {
  Tensor stack(DType::u8, {slices, 256, 256}, "zyx");
  for (std::int64_t i = 0; i < stack.element_count(); ++i) stack.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(i * 31 % 251);
  io::write_image({stack, std::nullopt}, dir / name);
  return dir / name;
}

std::string fixture() { return (source_dir() / "tests/data/models/laplace2d_tiny").string(); }

TEST(Progress, OnATerminalALiveBarIsRedrawnInPlace) {
  if (std::system("script -qec true /dev/null >/dev/null 2>&1") != 0) GTEST_SKIP() << "util-linux script is not available";
  TempDir dir;
  const fs::path stack = make_stack(dir.path(), "stack.tif", 40);
  // `script` gives the command a pseudo-terminal and copies what it draws to our stdout.
  std::string command = shell_quote(DEEPIMAGE_CLI) + " run " + shell_quote(fixture()) + " " + shell_quote(stack.string()) +
                        " -o " + shell_quote((dir / "out.tif").string()) + " --threads 2";
  const fs::path typescript = dir / "terminal.txt";
  ASSERT_EQ(std::system(("script -qec " + shell_quote(command) + " /dev/null > " + shell_quote(typescript.string())).c_str()), 0);
  const std::string screen = slurp(typescript);
  EXPECT_NE(screen.find("\r["), std::string::npos) << screen;             // redrawn from the line start
  EXPECT_NE(screen.find("[########################] tiles 40/40, slice 40/40, elapsed"), std::string::npos) << screen;
  EXPECT_NE(screen.find(", ETA "), std::string::npos) << screen;           // while running
  EXPECT_NE(screen.find("(peak "), std::string::npos) << screen;
  EXPECT_NE(screen.find("wrote " + (dir / "out.tif").string()), std::string::npos) << screen;
  EXPECT_TRUE(fs::exists(dir / "out.tif"));
}

TEST(Progress, InALogPlainLinesComeAtTheChosenInterval) {
  TempDir dir;
  const fs::path a = make_stack(dir.path(), "a.tif", 30), b = make_stack(dir.path(), "b.tif", 30);
  fs::create_directory(dir / "out");
  CliResult r = run_cli({"run", fixture(), a.string(), b.string(), "-o", (dir / "out").string(), "--threads", "2",
                         "--progress-every", "0.001"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << "no terminal control in a log";
  EXPECT_EQ(r.err.find("\033["), std::string::npos);
  EXPECT_NE(r.err.find("progress: image 1/2, tiles "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("progress: image 2/2, tiles "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/30, slice "), std::string::npos) << r.err;  // per image: 30 slices of one tile each
}

TEST(Progress, AnIntervalThatIsNotPositiveIsAUsageError) {
  TempDir dir;
  const fs::path stack = make_stack(dir.path(), "stack.tif", 2);
  for (const char* every : {"0", "-1", "soon"}) {
    CliResult r = run_cli({"run", fixture(), stack.string(), "-o", (dir / "out.tif").string(), "--progress-every", every});
    EXPECT_EQ(r.exit_code, 2) << every;
    EXPECT_NE(r.err.find("--progress-every"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "out.tif"));
  }
}

}  // namespace
}  // namespace deepimage::testing
