// Batches: one model load, every image of a folder / list processed, a corrupt file in the middle
// reported without stopping the others, and never an input overwritten.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/image.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

fs::path example_image() { return source_dir() / "examples/images/nuclei_bbbc038_0bf4b1.tif"; }

void make_batch(const fs::path& folder) {
  fs::create_directories(folder);
  fs::copy_file(example_image(), folder / "a.tif");
  std::ofstream(folder / "b.tif") << "this is not a tiff";  // corrupt, sorts in the middle
  fs::copy_file(example_image(), folder / "c.tif");
}

TEST(Batch, CorruptFileInTheMiddleIsReportedAndTheOthersAreWritten) {
  TempDir dir;
  make_batch(dir / "in");
  CliResult r = run_cli({"run", (source_dir() / "examples/nuclei_unet2d").string(), (dir / "in").string(), "-o",
                         (dir / "out").string(), "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  ASSERT_EQ(report["images"].size(), 3u);
  EXPECT_EQ(report["failed"], 1);
  EXPECT_TRUE(report["images"][0]["ok"].get<bool>());
  EXPECT_FALSE(report["images"][1]["ok"].get<bool>());
  EXPECT_NE(report["images"][1]["error"].get<std::string>().find("b.tif"), std::string::npos);
  EXPECT_TRUE(report["images"][2]["ok"].get<bool>());
  EXPECT_TRUE(fs::exists(dir / "out" / "a.tif"));
  EXPECT_FALSE(fs::exists(dir / "out" / "b.tif"));
  EXPECT_TRUE(fs::exists(dir / "out" / "c.tif"));
  // Both good images are the same picture, so their results must be equal too.
  const Tensor a = io::read_image(dir / "out" / "a.tif").pixels, c = io::read_image(dir / "out" / "c.tif").pixels;
  ASSERT_EQ(a.shape(), c.shape());
  EXPECT_EQ(std::memcmp(a.bytes(), c.bytes(), a.byte_count()), 0);
}

TEST(Batch, ListOfFilesAndTextSummary) {
  TempDir dir;
  make_batch(dir / "in");
  CliResult r = run_cli({"run", (source_dir() / "examples/nuclei_unet2d").string(), (dir / "in" / "a.tif").string(),
                         (dir / "in" / "c.tif").string(), "-o", (dir / "out").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 of 2 images done"), std::string::npos) << r.out;
}

TEST(Batch, OutputFolderThatIsTheInputFolderNeverOverwritesAnImage) {
  TempDir dir;
  make_batch(dir / "in");
  const std::string before = slurp(dir / "in" / "a.tif");
  CliResult r = run_cli({"run", (source_dir() / "examples/nuclei_unet2d").string(), (dir / "in").string(), "-o",
                         (dir / "in").string(), "--overwrite"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is the input"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir / "in" / "a.tif"), before);
}

}  // namespace
}  // namespace deepimage::testing
