// Progress as users see it: a live bar redrawn in place on a terminal, plain lines in logs, and the
// image of a batch.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

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

// --progress json: what the ImageJ plugin reads. Every stderr line of a run is one JSON object; tiles
// count up to the total, the last event is the finished one, and memory is reported.
TEST(Progress, JsonModeGivesOneObjectPerLine) {
  TempDir dir;
  const fs::path stack = make_stack(dir.path(), "stack.tif", 5);
  CliResult r = run_cli({"run", fixture(), stack.string(), "-o", (dir / "out.tif").string(), "--progress", "json", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.err);
  std::vector<nlohmann::json> events;
  for (std::string line; std::getline(lines, line);) events.push_back(nlohmann::json::parse(line));
  ASSERT_GE(events.size(), 6u) << r.err;  // a start, one per tile, the end
  std::size_t previous = 0;
  for (const auto& e : events) {
    EXPECT_EQ(e.at("tiles_total").get<std::size_t>(), 5u);
    EXPECT_GE(e.at("tiles_done").get<std::size_t>(), previous);
    previous = e.at("tiles_done").get<std::size_t>();
    EXPECT_GT(e.at("peak_rss_bytes").get<std::uint64_t>(), 0u);
  }
  EXPECT_TRUE(events.back().at("finished").get<bool>());
  EXPECT_EQ(events.back().at("tiles_done").get<std::size_t>(), 5u);
  EXPECT_EQ(events.back().at("slice_count").get<std::size_t>(), 5u);
  EXPECT_TRUE(nlohmann::json::accept(r.out));  // the report stays on stdout
}

}  // namespace
}  // namespace deepimage::testing
