// `deepimage validate`: every bundle the tests use is valid; a broken one exits 3 naming the field;
// --update-hashes repairs a stale sha256 (folder in place, zip into a copy); --upgrade turns every
// rdf 0.4 (and 0.3) bundle into a 0.5 one that validates and passes `deepimage test` on a copy.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "support/cli.hpp"
#include "support/zip_files.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

fs::path test_models() { return source_dir() / "tests/data/models"; }

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// The bundle folders under `root` (folders holding an rdf.yaml).
std::vector<fs::path> bundles_under(const fs::path& root) {
  std::vector<fs::path> found;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().filename() == "rdf.yaml") found.push_back(e.path().parent_path());
  std::sort(found.begin(), found.end());
  return found;
}

fs::path copy_of(const fs::path& bundle, const TempDir& dir) {
  const fs::path to = dir / bundle.filename().string();
  fs::copy(bundle, to, fs::copy_options::recursive);
  return to;
}

std::vector<std::string> error_paths(const CliResult& r) {
  std::vector<std::string> paths;
  const auto report = nlohmann::json::parse(r.out);
  for (const auto& e : report["errors"]) paths.push_back(e["path"]);
  return paths;
}

// Errors other than a file the rdf names missing from the folder (../shared/realdata keeps the files
// deepimage needs, not every cover and sample image), and other than `also` paths' ending.
std::vector<std::string> other_errors(const CliResult& r, const std::string& also = "\n") {
  std::vector<std::string> other;
  const auto report = nlohmann::json::parse(r.out);
  for (const auto& e : report["errors"]) {
    const std::string path = e["path"], message = e["message"];
    if (message.find("is not in the bundle") == std::string::npos &&
        !(path.size() >= also.size() && path.compare(path.size() - also.size(), also.size(), also) == 0))
      other.push_back(path + ": " + message);
  }
  return other;
}

TEST(Validate, EveryTestBundleIsValid) {
  auto bundles = bundles_under(test_models());
  bundles.push_back(source_dir() / "examples/nuclei_unet2d");
  ASSERT_GT(bundles.size(), 20u);
  for (const auto& b : bundles) {
    const CliResult r = run_cli({"validate", b.string(), "--json"});
    if (b.filename() == "half_input_v05") {
      // out_half's size refers to input half's, itself a reference to raw: deepimage resolves the chain,
      // bioimage.io 0.5 allows references to axes of fixed or {min, step} size only.
      EXPECT_EQ(r.exit_code, 3) << r.out;
      EXPECT_EQ(error_paths(r), (std::vector<std::string>{"outputs[1].axes[2].size", "outputs[1].axes[3].size"})) << r.out;
      continue;
    }
    EXPECT_EQ(r.exit_code, 0) << b << "\n" << r.out << r.err;
  }
}

TEST(Validate, RealRdfsAreValidButForFilesTheStoredCopyLeftOut) {
  DEEPIMAGE_REQUIRE_REALDATA();
  int checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(realdata())) {
    if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
    SCOPED_TRACE(e.path().string());
    const CliResult r = run_cli({"validate", e.path().string(), "--json"});
    if (slurp(e.path()).find("format_version: 0.2") != std::string::npos) {
      // rdf 0.2 (the n2v Fiji export) is older than any spec deepimage knows the rules of
      EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
      EXPECT_EQ(error_paths(r), std::vector<std::string>{"format_version"}) << r.out;
      continue;
    }
    EXPECT_NE(r.exit_code, 1) << r.err;
    EXPECT_EQ(other_errors(r), std::vector<std::string>{}) << r.out;
    ++checked;
  }
  EXPECT_GE(checked, 11);
  // The stored unet2d_nuclei_broad lacks only its cover: test tensors, hashes, ops and sizes all check out.
  for (const char* rdf : {"bioimageio.yaml", "v0_4_9.bioimageio.yaml"}) {
    const CliResult r = run_cli({"validate", (realdata() / "unet2d_nuclei_broad" / rdf).string(), "--json"});
    EXPECT_EQ(error_paths(r), std::vector<std::string>{"covers[0]"}) << r.out;
  }
}

TEST(Validate, JsonReport) {
  const CliResult r = run_cli({"validate", (test_models() / "laplace2d_tiny").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["valid"], true);
  EXPECT_EQ(j["format_version"], "0.5.4");
  EXPECT_TRUE(j["errors"].is_array() && j["errors"].empty());
  EXPECT_TRUE(j["warnings"].is_array());
}

TEST(Validate, EveryProblemOfABrokenBundleWithExit3) {
  TempDir dir;
  const fs::path b = copy_of(test_models() / "laplace2d_tiny", dir);
  std::string rdf = slurp(b / "rdf.yaml");
  rdf = replaced(rdf, "size: {min: 8, step: 1}", "size: {min: 8, step: -1}");
  rdf = replaced(rdf, "        halo: 1", "        halo: 5");
  rdf = replaced(rdf, "source: weights.pt", "source: weights.pth");
  rdf = replaced(rdf, "kwargs: {min: 0, max: 255}", "kwargs: {min: 0, max: 255, mx: 1}");
  write(b / "rdf.yaml", rdf);
  const CliResult r = run_cli({"validate", b.string(), "--json"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["valid"], false);
  std::vector<std::string> paths;
  for (const auto& e : j["errors"]) {
    paths.push_back(e["path"]);
    EXPECT_FALSE(e["message"].get<std::string>().empty());
    EXPECT_FALSE(e["hint"].get<std::string>().empty());
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"weights.torchscript.source", "inputs[0].axes[2].size.step", "outputs[0].axes[2].halo",
                                             "outputs[0].postprocessing[0].kwargs.mx"}))
      << r.out;
  const CliResult text = run_cli({"validate", b.string()});
  EXPECT_EQ(text.exit_code, 3);
  EXPECT_NE(text.out.find("INVALID, 4 errors"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("inputs[0].axes[2].size.step: expected a positive integer, got \"-1\""), std::string::npos) << text.out;
}

TEST(Validate, NotAModelExits1) {
  TempDir dir;
  write(dir / "notes.txt", "x");
  for (const fs::path& p : {dir / "absent", dir / "notes.txt", dir.path()}) {
    const CliResult r = run_cli({"validate", p.string()});
    EXPECT_EQ(r.exit_code, 1) << p << r.out;
    EXPECT_EQ(line_count(r.err), 1) << r.err;
  }
}

// A legacy DeepImageJ folder (config.xml, no rdf) is checked for what deepimage reads of it
// (tests/e2e/cli/legacy_test.cpp has a valid one): an empty <Model> lacks the model's name.
TEST(Validate, LegacyDeepImageJBundleWithAnEmptyConfigIsInvalid) {
  TempDir dir;
  fs::create_directories(dir / "legacy");
  write(dir / "legacy" / "config.xml", "<Model></Model>");
  const CliResult r = run_cli({"validate", (dir / "legacy").string(), "--json"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format_version"], "deepimagej-config");
  EXPECT_EQ(j["errors"][0]["message"], "config.xml: <Name> is missing; it gives the model's name");
}

TEST(Validate, UpdateHashesRepairsAStaleShaInPlace) {
  TempDir dir;
  const fs::path b = copy_of(test_models() / "laplace2d_tiny", dir);
  const std::string good = slurp(b / "rdf.yaml");
  const std::string weights_sha = "eb411642c1d4acc28ba93fd1580dbd7d6d79ad35f2017f192bbbf83698201b0c";
  const std::string stale = replaced(good, weights_sha, std::string(64, '0'));
  write(b / "rdf.yaml", stale);
  const std::string weights_before = slurp(b / "weights.pt");

  const CliResult broken = run_cli({"validate", b.string(), "--json"});
  EXPECT_EQ(broken.exit_code, 3) << broken.out << broken.err;
  const auto j = nlohmann::json::parse(broken.out);
  ASSERT_EQ(j["errors"].size(), 1u) << broken.out;
  EXPECT_EQ(j["errors"][0]["path"], "weights.torchscript.sha256");
  EXPECT_NE(j["errors"][0]["message"].get<std::string>().find(weights_sha), std::string::npos);

  const CliResult fixed = run_cli({"validate", b.string(), "--update-hashes"});
  EXPECT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
  EXPECT_NE(fixed.out.find("weights.torchscript.sha256: " + std::string(64, '0') + " -> " + weights_sha), std::string::npos) << fixed.out;
  // Only the stale value changed: comments, order and the other hashes are the file as it was.
  EXPECT_EQ(slurp(b / "rdf.yaml"), good);
  EXPECT_EQ(slurp(b / "weights.pt"), weights_before);
  EXPECT_EQ(run_cli({"validate", b.string()}).exit_code, 0);
}

TEST(Validate, UpdateHashesAddsMissingOnesInBlockAndFlowMappings) {
  TempDir dir;
  const fs::path b = copy_of(test_models() / "laplace2d_tiny", dir);
  std::string rdf = slurp(b / "rdf.yaml");
  rdf = replaced(rdf, "    sha256: eb411642c1d4acc28ba93fd1580dbd7d6d79ad35f2017f192bbbf83698201b0c\n", "");
  rdf = replaced(rdf, "    test_tensor:\n      source: test_input.npy\n      sha256: 5092ad7647f930b7980c87873c85eaf1bb2cb7afbb6cc7eaba5931bf6f6f6964",
                 "    test_tensor: {source: test_input.npy}");
  write(b / "rdf.yaml", rdf);
  const CliResult before = run_cli({"validate", b.string(), "--json"});
  EXPECT_EQ(before.exit_code, 0);
  // the two missing hashes, and the cover laplace2d_tiny never had
  EXPECT_EQ(nlohmann::json::parse(before.out)["warnings"].size(), 3u) << before.out;
  const CliResult r = run_cli({"validate", b.string(), "--update-hashes", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["updated_hashes"].size(), 2u) << r.out;
  ASSERT_EQ(j["warnings"].size(), 1u) << r.out;
  EXPECT_EQ(j["warnings"][0]["path"], "covers");
  const std::string now = slurp(b / "rdf.yaml");
  EXPECT_NE(now.find("    test_tensor: {source: test_input.npy, sha256: 5092ad7647f930b7980c87873c85eaf1bb2cb7afbb6cc7eaba5931bf6f6f6964}"),
            std::string::npos) << now;
  EXPECT_NE(now.find("    source: weights.pt\n    sha256: eb411642c1d4acc28ba93fd1580dbd7d6d79ad35f2017f192bbbf83698201b0c\n"),
            std::string::npos) << now;
}

TEST(Validate, UpdateHashesOfAZipWritesANewZip) {
  TempDir dir;
  const fs::path src = test_models() / "laplace2d_tiny";
  const std::string stale = replaced(slurp(src / "rdf.yaml"), "eb411642c1d4acc28ba93fd1580dbd7d6d79ad35f2017f192bbbf83698201b0c",
                                     std::string(64, 'f'));
  std::vector<std::pair<std::string, std::string>> entries = {{"laplace/rdf.yaml", stale}};
  for (const char* f : {"README.md", "test_input.npy", "test_output.npy", "weights.pt"})
    entries.push_back({std::string("laplace/") + f, slurp(src / f)});
  make_zip(dir / "m.zip", entries);
  const std::string zip_before = slurp(dir / "m.zip");

  EXPECT_EQ(run_cli({"validate", (dir / "m.zip").string()}).exit_code, 3);
  const CliResult refused = run_cli({"validate", (dir / "m.zip").string(), "--update-hashes"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("is a zip, which is never changed in place: give -o NEW.zip"), std::string::npos) << refused.err;
  const CliResult same = run_cli({"validate", (dir / "m.zip").string(), "--update-hashes", "-o", (dir / "m.zip").string()});
  EXPECT_EQ(same.exit_code, 1) << same.out;

  const CliResult r = run_cli({"validate", (dir / "m.zip").string(), "--update-hashes", "-o", (dir / "fixed.zip").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(slurp(dir / "m.zip"), zip_before);
  EXPECT_EQ(run_cli({"validate", (dir / "fixed.zip").string()}).exit_code, 0);
  EXPECT_EQ(run_cli({"test", (dir / "fixed.zip").string()}).exit_code, 0);
  const CliResult again = run_cli({"validate", (dir / "m.zip").string(), "--update-hashes", "-o", (dir / "fixed.zip").string()});
  EXPECT_EQ(again.exit_code, 1) << again.out;
  EXPECT_NE(again.err.find("exists; pass --overwrite"), std::string::npos) << again.err;
}

// An rdf 0.4/0.3 bundle and the rdf in it to upgrade.
struct OldBundle {
  std::vector<fs::path> folders;  // the bundle's files: those of the first, then of the others
  std::string rdf;
  bool runs_here = true;          // torchscript or onnx weights, test tensors stored
  bool complete = false;          // every file the rdf names is there (the test data's bundles)
};

std::vector<OldBundle> old_bundles() {
  std::vector<OldBundle> list;
  for (const auto& b : bundles_under(test_models() / "geometry"))
    if (slurp(b / "rdf.yaml").find("format_version: 0.4") != std::string::npos) list.push_back({{b}, "rdf.yaml", true, true});
  if (fs::exists(realdata())) {
    const fs::path r = realdata();
    list.push_back({{r / "unet2d_nuclei_broad"}, "v0_4_9.bioimageio.yaml"});
    list.push_back({{r / "unet2d_nuclei_broad_2021export"}, "v0_4_9.bioimageio.yaml"});
    // its test tensors are stored in the folder above
    list.push_back({{r / "unet2d_multi_tensor/onnx_removed_2024", r / "unet2d_multi_tensor"}, "v0_4.bioimageio.yaml"});
    list.push_back({{r / "unet2d_nuclei_broad_tiktorch_opset9"}, "UNet2DNucleiBroad.model.yaml"});
    list.push_back({{r / "unet2d_nuclei_broad_tiktorch_opset9/torchscript"}, "UNet2DNucleiBroad.model.yaml"});
    list.push_back({{r / "tiktorch_dummy_tf_savedmodel"}, "rdf.yaml", false});
    list.push_back({{r / "deepimagej_defcon"}, "model.yaml", false});
    list.push_back({{r / "unet2d_pancreatic_keras_dij"}, "rdf.yaml", false});
  }
  return list;
}

TEST(Validate, UpgradedBundlesValidateAndPassTheirTests) {
  const auto bundles = old_bundles();
  ASSERT_GE(bundles.size(), 9u);
  for (const auto& old : bundles) {
    const fs::path input = old.folders.front() / old.rdf;
    SCOPED_TRACE(input.string());
    TempDir dir;
    // The bundle's own files (not its subfolders: some hold other bundles).
    fs::create_directories(dir / "b");
    for (const auto& folder : old.folders)
      for (const auto& e : fs::directory_iterator(folder))
        if (e.is_regular_file() && !fs::exists(dir / "b" / e.path().filename())) fs::copy_file(e.path(), dir / "b" / e.path().filename());
    const fs::path upgraded = dir / "b" / "upgraded.yaml";
    const CliResult up = run_cli({"validate", (dir / "b" / old.rdf).string(), "--upgrade", "-o", upgraded.string()});
    ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
    EXPECT_NE(up.out.find("-> 0.5.4"), std::string::npos) << up.out;
    EXPECT_EQ(slurp(dir / "b" / old.rdf), slurp(input));  // the input is never changed
    const CliResult v = run_cli({"validate", upgraded.string(), "--json"});
    EXPECT_EQ(nlohmann::json::parse(v.out)["format_version"], "0.5.4");
    if (old.complete) {
      EXPECT_EQ(v.exit_code, 0) << v.out << v.err << slurp(upgraded);
    } else {
      // Files the stored copy lacks stay missing; 0.5 makes a halo over half the smallest size an
      // error (the 0.3 DeepImageJ bundles have one); nothing else.
      EXPECT_EQ(other_errors(v, ".halo"), std::vector<std::string>{}) << v.out << slurp(upgraded);
    }
    if (!old.runs_here) continue;
    // It runs identically: `test` of the upgraded rdf gives the numbers `test` of the original gives
    // (which pass for every bundle but the 2021 export, whose network ends in the sigmoid its rdf adds
    // again, and the multi-tensor one, whose halo is too small for tiles).
    const CliResult before = run_cli({"test", (dir / "b" / old.rdf).string(), "--json"});
    const CliResult after = run_cli({"test", upgraded.string(), "--json"});
    ASSERT_EQ(after.exit_code, before.exit_code) << before.out << after.out << after.err << slurp(upgraded);
    if (old.complete) {
      EXPECT_EQ(after.exit_code, 0) << after.out;
    }
    const auto a = nlohmann::json::parse(before.out), b = nlohmann::json::parse(after.out);
    EXPECT_EQ(a["tiled"]["tile_shape"], b["tiled"]["tile_shape"]);
    for (const auto& [x, y] : {std::pair{a["outputs"], b["outputs"]}, std::pair{a["tiled"]["outputs"], b["tiled"]["outputs"]}}) {
      ASSERT_EQ(x.size(), y.size());
      for (std::size_t i = 0; i < x.size(); ++i)
        for (const char* key : {"id", "passed", "max_abs_diff", "mean_abs_diff", "mismatched", "shape"})
          EXPECT_EQ(x[i][key], y[i][key]) << "output " << i << ": " << key;
    }
  }
}

TEST(Validate, UpgradeNeverTouchesItsInputAndKeepsExistingFiles) {
  TempDir dir;
  const fs::path b = copy_of(test_models() / "geometry" / "superres2x_v04", dir);
  const std::string original = slurp(b / "rdf.yaml");
  const CliResult onto_input = run_cli({"validate", b.string(), "--upgrade", "-o", (b / "rdf.yaml").string(), "--overwrite"});
  EXPECT_EQ(onto_input.exit_code, 1);
  EXPECT_NE(onto_input.err.find("the input is never changed"), std::string::npos) << onto_input.err;
  EXPECT_EQ(slurp(b / "rdf.yaml"), original);

  write(b / "new.yaml", "keep me");
  const CliResult kept = run_cli({"validate", b.string(), "--upgrade", "-o", (b / "new.yaml").string()});
  EXPECT_EQ(kept.exit_code, 1);
  EXPECT_EQ(slurp(b / "new.yaml"), "keep me");
  EXPECT_EQ(run_cli({"validate", b.string(), "--upgrade", "-o", (b / "new.yaml").string(), "--overwrite"}).exit_code, 0);
  EXPECT_NE(slurp(b / "new.yaml").find("format_version: 0.5.4"), std::string::npos);

  const CliResult no_output = run_cli({"validate", b.string(), "--upgrade"});
  EXPECT_EQ(no_output.exit_code, 2) << no_output.err;
  const CliResult already = run_cli({"validate", (b / "new.yaml").string(), "--upgrade", "-o", (dir / "x.yaml").string()});
  EXPECT_EQ(already.exit_code, 1);
  EXPECT_NE(already.err.find("already format 0.5.4"), std::string::npos) << already.err;
}

}  // namespace
}  // namespace deepimage::testing
