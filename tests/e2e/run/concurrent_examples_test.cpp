// run_example from two threads of one process at once (a server, a Python program): each stages its
// example in a folder of its own. The first run is held at its first progress event (its example
// staged and opened) while the second runs to the end and removes its own folder: the first's is
// still there, and both give the result of one run alone.
#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "deepimage/run.hpp"
#include "io/image.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"

namespace deepimage {
namespace {

namespace fs = std::filesystem;

std::size_t staged_examples(const fs::path& tmp) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(tmp))
    if (e.path().filename().string().rfind("deepimage-example-", 0) == 0) ++n;
  return n;
}

TEST(RunExample, TwoAtOnceInOneProcessEachStageTheirOwnExample) {
  const fs::path model = testing::source_dir() / "examples/nuclei_unet2d";
  testing::TempDir dir;
  const fs::path tmp = dir / "tmp";
  fs::create_directories(tmp);
  const char* old_tmpdir = std::getenv("TMPDIR");
  const std::string saved = old_tmpdir ? old_tmpdir : "";
  setenv("TMPDIR", tmp.c_str(), 1);

  std::mutex m;
  std::condition_variable cv;
  bool first_started = false, release = false;
  std::string first_error;
  std::thread first([&] {
    try {
      RunOptions o;
      o.model = model;
      o.threads = 1;
      o.output = dir / "first.tif";
      o.progress = [&](const ProgressEvent&) {
        std::unique_lock lock(m);
        if (first_started) return;
        first_started = true;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
      };
      run_example(o, {});
    } catch (const std::exception& e) {
      first_error = e.what();
    }
  });
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return first_started; });
  }
  RunOptions second;
  second.model = model;
  second.threads = 1;
  second.output = dir / "second.tif";
  EXPECT_NO_THROW(run_example(second, {}));
  EXPECT_EQ(staged_examples(tmp), 1u);  // the first run's, which the second left alone
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  first.join();
  if (old_tmpdir) setenv("TMPDIR", saved.c_str(), 1);
  else unsetenv("TMPDIR");
  EXPECT_EQ(first_error, "");
  EXPECT_EQ(staged_examples(tmp), 0u);
  EXPECT_EQ(testing::max_abs_diff(io::read_image(dir / "first.tif").pixels, io::read_image(dir / "second.tif").pixels), 0.0);
}

}  // namespace
}  // namespace deepimage
