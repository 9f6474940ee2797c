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

// Names made for results drop the whole of a double extension (.ome.zarr, .ome.tif), and an OME-Zarr
// image gives an OME-Zarr result; a second batch over the folder knows those results as its own.
TEST(Batch, ResultNamesDropDoubleExtensionsAndKeepOmeZarr) {
  TempDir dir;
  fs::create_directories(dir / "in");
  io::write_image(io::read_image(example_image()), dir / "in" / "a.ome.zarr");
  fs::copy_file(example_image(), dir / "in" / "b.ome.tif");
  const std::string model = (source_dir() / "tests/data/models/laplace2d_tiny").string();
  const std::string suffix = "_deepimage_3x3_Laplacian_filter_test_fixture";
  CliResult r = run_cli({"run", model, (dir / "in").string(), "--quiet", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_directory(dir / "in" / ("a" + suffix + ".ome.zarr")));
  EXPECT_TRUE(fs::is_regular_file(dir / "in" / ("b" + suffix + ".tif")));
  r = run_cli({"run", model, (dir / "in").string(), "--json", "--overwrite"});  // the results are not run in turn
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["images"].size(), 2u) << report.dump();
  ASSERT_EQ(report["skipped"].size(), 2u) << report.dump();
  for (const auto& skipped : report["skipped"])
    EXPECT_NE(skipped.get<std::string>().find("(a result of this model)"), std::string::npos) << skipped;
  r = run_cli({"run", model, (dir / "in" / "a.ome.zarr").string(), (dir / "in" / "b.ome.tif").string(), "-o",
               (dir / "out").string(), "--quiet", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_directory(dir / "out" / "a.ome.zarr"));
  EXPECT_TRUE(fs::is_regular_file(dir / "out" / "b.tif"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "out"), fs::directory_iterator()), 2);
  // One image alone, without -o: the same name beside it.
  r = run_cli({"run", model, (dir / "out" / "a.ome.zarr").string() + "/", "--quiet", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_directory(dir / "out" / ("a" + suffix + ".ome.zarr")));
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
