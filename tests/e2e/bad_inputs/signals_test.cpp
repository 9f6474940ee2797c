// A run stopped from outside: Ctrl-C (SIGINT) stops it within a tile, exit 130, with nothing left; a
// SIGKILL in the middle of writing cannot be caught, so what it leaves must be recognisable and
// cleaned up: no file under the output's name, one temporary file named after the output and the
// dead process, removed by the next run for that output (and a live process's temporary file kept).
#include "bad_inputs/catalogue.hpp"

#include <chrono>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "io/image.hpp"
#include "io/temp_file.hpp"

namespace deepimage::testing {

namespace fs = std::filesystem;

namespace {

// 1024 x 1024 read in parts and written row by row (a temporary file grows as tiles finish), in
// 96-pixel tiles on one thread: many seconds of work.
fs::path slow_input(const fs::path& in) {
  Tensor image(DType::u8, {1024, 1024}, "yx");
  for (std::int64_t i = 0; i < image.element_count(); ++i) image.data<std::uint8_t>()[i] = static_cast<std::uint8_t>((i * 7919) % 251);
  io::write_image({image, std::nullopt}, in / "plane.tif");
  return in / "plane.tif";
}

pid_t start_run(const fs::path& input, const fs::path& output, const fs::path& err) {
  const pid_t child = fork();
  if (child != 0) return child;
  const int fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(fd, STDERR_FILENO);
  std::vector<std::string> args = {DEEPIMAGE_CLI, "run", example_model().string(), input.string(), "-o", output.string(),
                                   "--tile", "y=96,x=96", "--threads", "1", "--read-in-parts", "--quiet"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(DEEPIMAGE_CLI, argv.data());
  _exit(127);
}

// Waits (at most 30 s) until the run's temporary file for `output` holds some bytes: it is writing.
bool wait_until_writing(const fs::path& output, pid_t pid) {
  const fs::path temp = output.parent_path() / (".out.tif.deepimage-" + std::to_string(pid) + ".tmp");
  for (int i = 0; i < 300; ++i) {
    std::error_code ec;
    if (fs::exists(temp, ec) && fs::file_size(temp, ec) > 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// A run of the slow input, sent a signal once it is writing its output.
struct StoppedRun {
  TempDir dir;
  fs::path out = dir / "out", err = dir / "stderr.txt", input;
  std::string input_before;
  pid_t child = 0;
  int status = 0;
};

void stop_while_writing(int signal, StoppedRun& run) {
  fs::create_directories(run.dir / "in"), fs::create_directories(run.out);
  run.input = slow_input(run.dir / "in");
  run.input_before = slurp(run.input);
  run.child = start_run(run.input, run.out / "out.tif", run.err);
  ASSERT_TRUE(wait_until_writing(run.out / "out.tif", run.child)) << slurp(run.err);
  kill(run.child, signal);
  waitpid(run.child, &run.status, 0);
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::vector<std::string> signal_entry_names() { return {"sigint_mid_run", "sigkill_mid_write"}; }

TEST(Signals, sigint_mid_run) {
  StoppedRun run;
  ASSERT_NO_FATAL_FAILURE(stop_while_writing(SIGINT, run));
  const std::string message = slurp(run.err);
  ASSERT_TRUE(WIFEXITED(run.status)) << "killed by the signal instead of stopping: " << message;
  EXPECT_EQ(WEXITSTATUS(run.status), 130) << message;
  EXPECT_EQ(message.rfind("error: interrupted after ", 0), 0u) << message;
  EXPECT_NE(message.find(" tiles; nothing was written"), std::string::npos) << message;
  EXPECT_EQ(line_count(message), 1) << message;
  EXPECT_TRUE(names_in(run.out).empty()) << "left behind: " << ::testing::PrintToString(names_in(run.out));
  EXPECT_EQ(slurp(run.input), run.input_before);
}

TEST(Signals, sigkill_mid_write) {
  StoppedRun run;
  ASSERT_NO_FATAL_FAILURE(stop_while_writing(SIGKILL, run));
  ASSERT_TRUE(WIFSIGNALED(run.status));
  const fs::path& out = run.out;
  const pid_t child = run.child;

  // Nothing under the output's name; the one file left names the output and the dead process.
  const std::string temp = ".out.tif.deepimage-" + std::to_string(child) + ".tmp";
  EXPECT_EQ(names_in(out), std::vector<std::string>{temp});
  EXPECT_EQ(io::temp_file_owner(out / "out.tif", out / temp), child);
  EXPECT_EQ(slurp(run.input), run.input_before);

  // The next run for that output removes it, but not the temporary file of a live process (this
  // test's parent stands in for a run still writing).
  const std::string live = ".out.tif.deepimage-" + std::to_string(getppid()) + ".tmp";
  write_file(out / live, "partial");
  const CliResult r = run_cli({"run", example_model().string(), example_image().string(), "-o", (out / "out.tif").string(), "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(names_in(out), (std::vector<std::string>{live, "out.tif"}));
}

}  // namespace deepimage::testing
