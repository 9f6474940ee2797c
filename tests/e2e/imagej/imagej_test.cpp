// The ImageJ plugin in the real ImageJ, driven by macros as users record and replay them: pixels equal
// to the CLI's on the same input, calibration kept, every slice and frame run, errors readable from
// the macro, DeepImageJ's macro keys, headless batch runs, and Explore's Apply.
#include <gtest/gtest.h>

#include <cstring>

#include "e2e/imagej/imagej_session.hpp"
#include "io/image.hpp"
#include "support/compare.hpp"
#include "support/http_server.hpp"
#include "support/zip_files.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

fs::path unet() { return realdata() / "unet2d_nuclei_broad"; }
fs::path laplace() { return source_dir() / "tests/data/models/laplace2d_tiny"; }
fs::path nuclei_image() { return realdata() / "images/stardist_testdata/img2d.tif"; }

std::string quoted(const fs::path& p) { return "\"" + p.string() + "\""; }

// The result the CLI gives for `input` with these options: the reference for the plugin's.
io::Image cli_result(const fs::path& model, const fs::path& input, const fs::path& output, std::vector<std::string> options = {}) {
  std::vector<std::string> args = {"run", model.string(), input.string(), "-o", output.string(), "--overwrite"};
  args.insert(args.end(), options.begin(), options.end());
  const CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return io::read_image(output);
}

void expect_same_image(const io::Image& got, const io::Image& expected, const std::string& what) {
  ASSERT_EQ(got.pixels.shape(), expected.pixels.shape()) << what;
  EXPECT_EQ(got.pixels.axes(), expected.pixels.axes()) << what;
  EXPECT_EQ(max_abs_diff(got.pixels, expected.pixels), 0.0) << what;
}

// A macro function that runs the plugin on the current image with `options`, prints its status and
// saves the result: what every test below repeats.
const std::string kRunAndSave = R"(
function runAndSave(name, options, dir) {
  run("DeepImage Run", options);
  print("status " + name + " " + getInfo("deepimage.status") + " " + getInfo("deepimage.error"));
  print("label " + name + " " + getMetadata("Label"));
  saveAs("Tiff", dir + "/out_" + name + ".tif");
}
)";

TEST(ImageJ, EveryPixelTypeRunsLikeTheCliAndKeepsTheCalibration) {
  if (!fs::exists(unet())) GTEST_SKIP() << "../shared/realdata is absent";
  ImageJSession ij;
  ij.add_model(unet(), "unet");
  const fs::path dir = ij.dir();
  const ImageJResult r = ij.run_macro(kRunAndSave + R"(
dir = ")" + dir.string() + R"(";
open()" + quoted(nuclei_image()) + R"();
makeRectangle(200, 200, 128, 96);
run("Crop");
run("Properties...", "channels=1 slices=1 frames=1 unit=micron pixel_width=0.25 pixel_height=0.3 voxel_depth=1");
rename("base");
types = newArray("8", "16", "32", "rgb");
for (i = 0; i < types.length; i++) {
  selectImage("base");
  run("Duplicate...", "title=in_" + types[i]);
  if (types[i] == "8") run("8-bit");
  if (types[i] == "32") run("32-bit");
  if (types[i] == "rgb") run("RGB Color");
  saveAs("Tiff", dir + "/in_" + types[i] + ".tif");
  options = "model=[UNet 2D Nuclei Broad]";
  if (types[i] == "rgb") options = options + " channels=1";
  runAndSave(types[i], options, dir);
}
)");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const std::string type : {"8", "16", "32", "rgb"}) {
    SCOPED_TRACE(type);
    EXPECT_NE(r.out.find("status " + type + " ok"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("label " + type + " probability"), std::string::npos) << "the model's channel name: " << r.out;
    const io::Image got = io::read_image(dir / ("out_" + type + ".tif"));
    std::vector<std::string> options;
    if (type == "rgb") options = {"--channels", "1"};
    const io::Image expected = cli_result(unet(), dir / ("in_" + type + ".tif"), dir / ("ref_" + type + ".tif"), options);
    expect_same_image(got, expected, type);
    EXPECT_EQ(got.pixels.shape(), (Shape{96, 128}));
    ASSERT_TRUE(got.calibration.has_value());
    EXPECT_NEAR(got.calibration->x, 0.25, 1e-6);
    EXPECT_NEAR(got.calibration->y, 0.3, 1e-6);
    EXPECT_EQ(got.calibration->unit, "micron");
  }
}

TEST(ImageJ, StacksAndHyperstacksRunEverySliceAndFrame) {
  if (!fs::exists(unet())) GTEST_SKIP() << "../shared/realdata is absent";
  ImageJSession ij;
  ij.add_model(unet(), "unet");
  const fs::path dir = ij.dir();
  // Eight different 96x96 regions of a real nuclei image: a 3-slice z-stack, and a 2-channel, 2-slice,
  // 2-frame hyperstack whose channel 1 is the inverted image (so picking channel 0 matters).
  const ImageJResult r = ij.run_macro(kRunAndSave + R"(
dir = ")" + dir.string() + R"(";
open()" + quoted(nuclei_image()) + R"();
source = getTitle();
newImage("planes", "16-bit black", 96, 96, 8);
for (i = 0; i < 8; i++) {
  selectImage(source);
  makeRectangle(40 + 50 * i, 300 - 30 * i, 96, 96);
  run("Copy");
  selectImage("planes");
  setSlice(i + 1);
  run("Paste");
  if (i % 2 == 1) run("Invert", "slice");
}
run("Select None");
run("Duplicate...", "title=zstack duplicate range=1-3");
run("Properties...", "channels=1 slices=3 frames=1 unit=micron pixel_width=0.5 pixel_height=0.5 voxel_depth=2");
saveAs("Tiff", dir + "/in_zstack.tif");
runAndSave("zstack", "model=unet", dir);
selectImage("planes");
run("Stack to Hyperstack...", "order=xyczt(default) channels=2 slices=2 frames=2 display=Grayscale");
run("Properties...", "channels=2 slices=2 frames=2 unit=micron pixel_width=0.5 pixel_height=0.5 voxel_depth=2 frame=[3 sec]");
saveAs("Tiff", dir + "/in_hyper.tif");
hyper = getTitle();
runAndSave("hyper", "model=unet channels=0", dir);
selectImage(hyper);
Stack.setPosition(1, 2, 1);
runAndSave("current", "model=unet channels=0 only_current", dir);
)");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const std::string name : {"zstack", "hyper", "current"})
    EXPECT_NE(r.out.find("status " + name + " ok"), std::string::npos) << r.out;
  const io::Image zstack = io::read_image(dir / "out_zstack.tif");
  expect_same_image(zstack, cli_result(unet(), dir / "in_zstack.tif", dir / "ref_zstack.tif"), "z-stack");
  EXPECT_EQ(zstack.pixels.shape(), (Shape{3, 96, 96}));
  ASSERT_TRUE(zstack.calibration.has_value());
  EXPECT_NEAR(zstack.calibration->z, 2.0, 1e-6);
  const io::Image hyper = io::read_image(dir / "out_hyper.tif");
  const io::Image expected = cli_result(unet(), dir / "in_hyper.tif", dir / "ref_hyper.tif", {"--channels", "0"});
  expect_same_image(hyper, expected, "hyperstack");
  EXPECT_EQ(hyper.pixels.shape(), (Shape{2, 2, 96, 96}));  // t, z, y, x: every slice and frame
  EXPECT_EQ(hyper.pixels.axes(), "tzyx");
  ASSERT_TRUE(hyper.calibration.has_value());
  EXPECT_NEAR(hyper.calibration->frame_interval, 3.0, 1e-6);
  // only_current: the plane at z=2, t=1 alone, equal to that plane of the whole run.
  const io::Image current = io::read_image(dir / "out_current.tif");
  ASSERT_EQ(current.pixels.shape(), (Shape{96, 96}));
  Tensor plane(hyper.pixels.dtype(), {96, 96}, "yx");
  const std::size_t bytes = plane.byte_count(), offset = 1 * bytes;  // (t=0, z=1)
  std::memcpy(plane.bytes(), hyper.pixels.bytes() + offset, bytes);
  EXPECT_EQ(max_abs_diff(current.pixels, plane), 0.0);
}

// Objects in the Run dialog (and its macro keys): the label image opens beside the result, with the
// label colour table, and the measurements as a results table; both as `deepimage run --objects`
// gives them on the same input.
TEST(ImageJ, ObjectsOpenTheLabelImageAndAResultsTableLikeTheCli) {
  if (!fs::exists(unet())) GTEST_SKIP() << "../shared/realdata is absent";
  ImageJSession ij;
  ij.add_model(unet(), "unet");
  const fs::path dir = ij.dir();
  const ImageJResult r = ij.run_macro(R"(
dir = ")" + dir.string() + R"(";
open()" + quoted(nuclei_image()) + R"();
makeRectangle(100, 120, 256, 240);
run("Crop");
saveAs("Tiff", dir + "/in_objects.tif");
run("DeepImage Run", "model=unet objects split min_size=10");
print("status " + getInfo("deepimage.status") + " " + getInfo("deepimage.error"));
print("title " + getTitle());
getMinAndMax(low, high);
print("range " + low + " " + high);
getLut(reds, greens, blues);
grey = 0;
for (i = 0; i < 256; i++) if (reds[i] == greens[i] && greens[i] == blues[i]) grey++;
print("lut greys " + grey + " first " + reds[0] + "," + greens[0] + "," + blues[0]);
saveAs("Tiff", dir + "/out_labels.tif");
print("rows " + Table.size("in_objects_UNet_2D_Nuclei_Broad_objects"));
print("first area " + Table.get("area_px", 0, "in_objects_UNet_2D_Nuclei_Broad_objects"));
)");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("status ok"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("title in_objects_UNet_2D_Nuclei_Broad_labels"), std::string::npos) << r.out;
  // ImageJ shows it with the label colour table: label 0 black, (almost) no other grey.
  const auto greys = r.out.find("lut greys ");
  ASSERT_NE(greys, std::string::npos) << r.out;
  EXPECT_LE(std::stoi(r.out.substr(greys + 10)), 4) << r.out;
  EXPECT_NE(r.out.find("first 0,0,0"), std::string::npos) << r.out;
  const CliResult cli = run_cli({"run", unet().string(), (dir / "in_objects.tif").string(), "-o", (dir / "cli.tif").string(), "--objects",
                                 "--split", "--min-size", "10", "--progress", "none", "--quiet"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const io::Image labels = io::read_image(dir / "out_labels.tif"), expected = io::read_image(dir / "cli_labels.tif");
  expect_same_image(labels, expected, "label image");
  const std::string table = slurp(dir / "cli_objects.csv");
  const auto rows = std::count(table.begin(), table.end(), '\n') - 1;
  ASSERT_GT(rows, 10);
  EXPECT_NE(r.out.find("rows " + std::to_string(rows)), std::string::npos) << r.out;
  const std::string second_line = table.substr(table.find('\n') + 1);
  const std::string first_area = second_line.substr(second_line.find(',') + 1, second_line.find(',', second_line.find(',') + 1) - second_line.find(',') - 1);
  EXPECT_NE(r.out.find("first area " + first_area), std::string::npos) << r.out << " expected area " << first_area;
  double largest = 0;
  for (std::int64_t i = 0; i < expected.pixels.element_count(); ++i)
    largest = std::max(largest, static_cast<double>(expected.pixels.converted(DType::f64).data<double>()[i]));
  EXPECT_NE(r.out.find("range 0 " + std::to_string(static_cast<int>(largest))), std::string::npos) << r.out << " (0.." << largest << ")";
}

// In a macro nothing may open a dialog: a bad model, an unknown weights format and no image at all
// each end the call with the error readable from the macro, well inside the timeout.
TEST(ImageJ, ErrorsReachTheMacroWithoutADialog) {
  ImageJSession ij;
  ij.add_model(laplace(), "laplace");
  const ImageJResult r = ij.run_macro(R"(
run("DeepImage Run", "model=laplace");
print("no image: " + getInfo("deepimage.status") + " | " + getInfo("deepimage.error"));
newImage("img", "8-bit ramp", 32, 32, 1);
run("DeepImage Run", "model=/no/such/model");
print("bad model: " + getInfo("deepimage.status") + " | " + getInfo("deepimage.error"));
run("DeepImage Run", "model=laplace weights=tensorflow");
print("bad weights: " + getInfo("deepimage.status") + " | " + getInfo("deepimage.error"));
run("DeepImage Run", "model=laplace weights=keras_hdf5");
print("absent weights: " + getInfo("deepimage.status") + " | " + getInfo("deepimage.error"));
run("DeepImage Run", "model=laplace tile=y=4,x=4");
print("bad tile: " + getInfo("deepimage.status") + " | " + getInfo("deepimage.error"));
print("images open: " + nImages);
)", false, 120);
  ASSERT_EQ(r.exit_code, 0) << "ImageJ hung or failed: " << r.out;
  EXPECT_NE(r.out.find("no image: error | no image is open"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad model: error | model \"/no/such/model\" does not exist"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad weights: error | weights=tensorflow is not a weights format"), std::string::npos) << r.out;
  // A format the plugin accepts reaches the run, which says the bundle lacks it.
  EXPECT_NE(r.out.find("absent weights: error | the model has no \"keras_hdf5\" weights"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad tile: error | "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("images open: 1"), std::string::npos) << "no result opened after an error: " << r.out;
}

// DeepImageJ's macros keep working: the 2019 keys (patch, overlap, the pre/postprocessing macro
// names) and deepImageJ 3's (modelPath, inputPath, outputFolder, displayOutput).
TEST(ImageJ, DeepImageJMacroKeysAreAliases) {
  ImageJSession ij;
  ij.add_model(laplace(), "laplace");
  const fs::path dir = ij.dir();
  const ImageJResult r = ij.run_macro(R"(
newImage("ramp", "16-bit ramp", 100, 70, 1);
run("Add Specified Noise...", "standard=300");
saveAs("Tiff", ")" + (dir / "in.tif").string() + R"(");
run("DeepImage Run", "model=[deepimage 3x3 Laplacian filter test fixture] preprocessing=[no preprocessing] postprocessing=[no postprocessing] patch=40 overlap=4 logging=normal");
print("2019: " + getInfo("deepimage.status") + " " + getInfo("deepimage.error"));
saveAs("Tiff", ")" + (dir / "out_2019.tif").string() + R"(");
close("*");
run("DeepImage Run", "modelPath=)" + laplace().string() + R"( inputPath=)" + (dir / "in.tif").string() +
                                          R"( outputFolder=)" + (dir / "v3").string() + R"(/ displayOutput=null");
print("v3: " + getInfo("deepimage.status") + " " + getInfo("deepimage.error") + " open " + nImages);
)");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("2019: ok"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("v3: ok  open 0"), std::string::npos) << r.out;
  const io::Image tiled = cli_result(laplace(), dir / "in.tif", dir / "ref_tiled.tif", {"--tile", "y=40,x=40", "--halo", "y=4,x=4"});
  expect_same_image(io::read_image(dir / "out_2019.tif"), tiled, "patch/overlap");
  const io::Image whole = cli_result(laplace(), dir / "in.tif", dir / "ref.tif");
  expect_same_image(io::read_image(dir / "v3/in_deepimage_3x3_Laplacian_filter_test_fixture.tif"), whole, "outputFolder");
}

// Headless ImageJ (no display at all, as on a cluster node) runs a scripted batch. ImageJ 1.x cannot
// reach its menus without a display, so the macro calls the plugin directly.
TEST(ImageJ, HeadlessBatchRuns) {
  ImageJSession ij;
  ij.add_model(laplace(), "laplace");
  const fs::path dir = ij.dir();
  const ImageJResult r = ij.run_macro(R"(
newImage("ramp", "32-bit ramp", 64, 48, 2);
saveAs("Tiff", ")" + (dir / "in.tif").string() + R"(");
status = call("deepimage.imagej.RunModel.runWithOptions", "model=laplace");
print("headless: " + status + " " + getInfo("deepimage.error") + " " + getTitle());
saveAs("Tiff", ")" + (dir / "out.tif").string() + R"(");
)", true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("headless: ok  in_deepimage_3x3"), std::string::npos) << r.out;
  expect_same_image(io::read_image(dir / "out.tif"), cli_result(laplace(), dir / "in.tif", dir / "ref.tif"), "headless");
}

// Explore's Apply: the model on its own example, input and output opened; equal to `deepimage example`.
TEST(ImageJ, ExploreApplyOpensTheExampleInputAndOutput) {
  if (!fs::exists(unet())) GTEST_SKIP() << "../shared/realdata is absent";
  ImageJSession ij;
  ij.add_model(unet(), "unet");
  const fs::path dir = ij.dir();
  const ImageJResult r = ij.run_macro(R"(
run("DeepImage Explore", "model=unet action=apply");
print("apply: " + getInfo("deepimage.status") + " " + getInfo("deepimage.error") + " open " + nImages);
selectImage("UNet 2D Nuclei Broad example input");
saveAs("Tiff", ")" + (dir / "example_in.tif").string() + R"(");
selectImage("UNet 2D Nuclei Broad example output");
saveAs("Tiff", ")" + (dir / "example_out.tif").string() + R"(");
run("DeepImage Explore", "model=unet action=architecture");
print("architecture: " + getInfo("deepimage.status"));
)");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("apply: ok  open 2"), std::string::npos) << r.out;
  // Architecture prints the CLI's table to the Log: its totals are there.
  EXPECT_NE(r.out.find("architecture: ok"), std::string::npos) << r.out;
  const CliResult table = run_cli({"info", unet().string(), "--architecture"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  const std::size_t totals = table.out.find("Total params:");
  ASSERT_NE(totals, std::string::npos) << table.out;
  EXPECT_NE(r.out.find(table.out.substr(totals, table.out.find('\n', totals) - totals)), std::string::npos) << r.out;
  const CliResult cli = run_cli({"example", unet().string(), "-o", (dir / "ref_out.tif").string(), "--save-input",
                                 (dir / "ref_in.tif").string()});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  expect_same_image(io::read_image(dir / "example_in.tif"), io::read_image(dir / "ref_in.tif"), "example input");
  expect_same_image(io::read_image(dir / "example_out.tif"), io::read_image(dir / "ref_out.tif"), "example output");
}

// A person's session: Run picked from the menu with the Recorder on, the monitor window showing the
// tiles, the recorded macro replayed to the same pixels (equal to the CLI's), and Explore's Apply
// clicked, a long run cancelled, a model packaged with the Build wizard. tests/e2e/imagej/gui/PluginGui.java
// does the clicking.
TEST(ImageJ, ARecordedRunReplaysToTheSameResult) {
  if (!fs::exists(unet())) GTEST_SKIP() << "../shared/realdata is absent";
  ImageJSession ij;
  ij.add_model(unet(), "unet");
  ij.add_model(laplace(), "laplace2d_tiny");
  const fs::path dir = ij.dir();
  fs::create_directory(dir / "tmp");
  // A 3-slice stack of real nuclei, so the run lasts long enough to see the monitor.
  const io::Image whole = io::read_image(nuclei_image());
  Tensor stack(whole.pixels.dtype(), {3, 128, 128}, "zyx");
  for (std::int64_t z = 0; z < 3; ++z)
    for (std::int64_t y = 0; y < 128; ++y)
      std::memcpy(stack.bytes() + ((z * 128 + y) * 128) * 2, whole.pixels.bytes() + ((100 + 120 * z + y) * 512 + 150) * 2, 128 * 2);
  io::write_image({stack, std::nullopt}, dir / "stack.tif");
  const ImageJResult r = ij.run_java("-Djava.io.tmpdir=" + shell_quote((dir / "tmp").string()) +
                                         " -Ddeepimage.test.weights=" + shell_quote((laplace() / "weights.pt").string()) + " -cp " +
                                         shell_quote(std::string(DEEPIMAGE_IMAGEJ_JAR) + ":" + DEEPIMAGE_IMAGEJ_GUI) +
                                         " PluginGui " + shell_quote(dir.string()) + " " + shell_quote((dir / "stack.tif").string()) +
                                         " 'UNet 2D Nuclei Broad'",
                                     false);
  const std::string report = slurp(dir / "report.txt");
  ASSERT_EQ(r.exit_code, 0) << r.out << report;
  EXPECT_EQ(report.find("failure"), std::string::npos) << report << r.out;
  EXPECT_NE(report.find("status: ok"), std::string::npos) << report;
  EXPECT_NE(report.find("monitor: seen"), std::string::npos) << report;
  const std::string recorded = slurp(dir / "recorded.ijm");
  EXPECT_NE(recorded.find("run(\"DeepImage Run\", \"model=[UNet 2D Nuclei Broad] weights=[best available]"), std::string::npos)
      << recorded;
  EXPECT_NE(recorded.find("keys=1"), std::string::npos) << recorded;
  const io::Image expected = cli_result(unet(), dir / "stack.tif", dir / "ref.tif");
  expect_same_image(io::read_image(dir / "first.tif"), expected, "run from the dialog");
  expect_same_image(io::read_image(dir / "replayed.tif"), expected, "recorded macro replayed");
  EXPECT_NE(report.find("explore card: UNet 2D Nuclei Broad"), std::string::npos) << report;
  EXPECT_NE(report.find("explore input: shown"), std::string::npos) << report;
  const CliResult example = run_cli({"example", unet().string(), "-o", (dir / "ref_example.tif").string()});
  ASSERT_EQ(example.exit_code, 0) << example.err;
  expect_same_image(io::read_image(dir / "explore_output.tif"), io::read_image(dir / "ref_example.tif"), "Explore's Apply");
  // Build Bundled Model's wizard: the test output is shown and nothing written until OK, then a bundle
  // that passes its test.
  EXPECT_NE(report.find("build test output shown: yes"), std::string::npos) << report;
  EXPECT_NE(report.find("build written before OK: false"), std::string::npos) << report;
  EXPECT_NE(report.find("build: ok  written true"), std::string::npos) << report;
  const CliResult wizard_test = run_cli({"test", (dir / "wizard.zip").string()});
  EXPECT_EQ(wizard_test.exit_code, 0) << wizard_test.out << wizard_test.err;
  // Cancel in the monitor window stops a long run: the macro reads why, no image opens, and the
  // plugin's temporary files are gone.
  EXPECT_NE(report.find("cancel: error cancelled: nothing was written"), std::string::npos) << report;
  EXPECT_NE(report.find("cancel images added: 0"), std::string::npos) << report;
  EXPECT_EQ(report.find(" at 400 / 400"), std::string::npos) << "cancelled before the end: " << report;
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir / "tmp"))
    if (e.path().filename().string().rfind("deepimage-imagej-", 0) == 0) left.push_back(e.path().string());
  EXPECT_TRUE(left.empty()) << left.front();
}

// Build Bundled Model from a macro, with the current image as the example: the Laplacian weights made
// by scripts/make_test_models.py become a new bundle that `validate` accepts, `test` passes, and that
// runs like the original model.
TEST(ImageJ, BuildBundledModelMakesABundleThatValidatesAndTests) {
  ImageJSession ij;
  const fs::path dir = ij.dir();
  // Every field but the weights and the bundle; a second build names weights that do not exist.
  const std::string card =
      R"( name=[Laplacian from ImageJ] description=[A 3x3 Laplacian, packaged in ImageJ.] author=[Jane Doe; EMBL Heidelberg])"
      R"( license=MIT cite=[deepimage test fixture; https://bioimage.io] input_axes=bcyx input_size=[y=8/1,x=8/1])"
      R"( preprocessing=none output_axes=bcyx halo=[y=1,x=1] postprocessing=[clip:{\"min\": 0, \"max\": 255}])";
  const ImageJResult r = ij.run_macro(R"(
newImage("example", "16-bit ramp", 64, 48, 1);
run("Add Specified Noise...", "standard=40");
saveAs("Tiff", ")" + (dir / "example.tif").string() + R"(");
run("DeepImage Build Bundled Model", "weights=[)" + (laplace() / "weights.pt").string() + "]" + card + " bundle=[" + (dir / "built.zip").string() + R"(]");
print("build: " + getInfo("deepimage.status") + " " + getInfo("deepimage.error"));
run("DeepImage Build Bundled Model", "weights=[)" + (dir / "missing.pt").string() + "]" + card + " bundle=[" + (dir / "bad.zip").string() + R"(]");
print("bad build: " + getInfo("deepimage.status") + " " + getInfo("deepimage.error"));
)");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("build: ok"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad build: error "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("missing.pt"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "bad.zip"));
  const CliResult valid = run_cli({"validate", (dir / "built.zip").string(), "--json"});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
  const CliResult tested = run_cli({"test", (dir / "built.zip").string()});
  EXPECT_EQ(tested.exit_code, 0) << tested.out << tested.err;
  // The original clips to 0..255 and stores uint8; the new bundle clips and keeps float32: same numbers.
  const io::Image original = cli_result(laplace(), dir / "example.tif", dir / "original.tif");
  const io::Image rebuilt = cli_result(dir / "built.zip", dir / "example.tif", dir / "rebuilt.tif");
  ASSERT_EQ(rebuilt.pixels.shape(), original.pixels.shape());
  EXPECT_EQ(max_abs_diff(rebuilt.pixels, original.pixels), 0.0);
}

// Install Model pulls from a server (here one on 127.0.0.1) into the models folder, where Run finds
// the model; a zip with a `../` entry and a download whose sha256 differs are refused, with the reason
// readable from the macro and nothing left behind.
TEST(ImageJ, InstallModelPullsAndRefusesHostileOrAlteredZips) {
  ImageJSession ij;
  const fs::path dir = ij.dir(), site = dir / "site";
  fs::create_directories(site);
  make_zip(site / "laplace.zip", entries_of(laplace()));
  auto hostile = entries_of(laplace());
  hostile.emplace_back("../evil.txt", "escaped");
  make_zip(site / "slip.zip", hostile);
  LocalHttpServer server(site);
  const std::string wrong_sha(64, '0');
  const ImageJResult r = ij.run_macro(R"(
run("DeepImage Install Model", "source=[)" + server.url("slip.zip") + R"(]");
print("slip: " + getInfo("deepimage.status") + " | " + getInfo("deepimage.error"));
run("DeepImage Install Model", "source=[)" + server.url("laplace.zip") + R"(] sha256=)" + wrong_sha + R"(");
print("sha: " + getInfo("deepimage.status") + " | " + getInfo("deepimage.error"));
run("DeepImage Install Model", "source=[)" + server.url("laplace.zip") + R"(]");
print("install: " + getInfo("deepimage.status") + " | " + getInfo("deepimage.error"));
newImage("img", "8-bit ramp", 40, 30, 1);
run("DeepImage Run", "model=[deepimage 3x3 Laplacian filter test fixture]");
print("run: " + getInfo("deepimage.status") + " | " + getInfo("deepimage.error"));
)");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("slip: error | "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("../evil.txt"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sha: error | "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sha256"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("install: ok"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("run: ok"), std::string::npos) << r.out;
  std::vector<std::string> installed;
  for (const auto& e : fs::directory_iterator(ij.models())) installed.push_back(e.path().filename().string());
  EXPECT_EQ(installed, std::vector<std::string>{"deepimage_3x3_Laplacian_filter_test_fixture"});
  EXPECT_FALSE(fs::exists(dir / "evil.txt"));
  EXPECT_FALSE(fs::exists(ij.models().parent_path() / "evil.txt"));
}

}  // namespace
}  // namespace deepimage::testing
