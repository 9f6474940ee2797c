// `deepimage models`: what a models folder holds, as a user keeps one: a bundle folder, a bundle .zip,
// a legacy DeepImageJ folder (config.xml), a bundle whose rdf is broken, and things that are not models.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/cli.hpp"
#include "support/zip_files.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

std::uint64_t naive_folder_size(const fs::path& folder) {
  std::uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(folder))
    if (e.is_regular_file()) total += e.file_size();
  return total;
}

fs::path make_models_folder(const fs::path& dir) {
  const fs::path models = dir / "models";
  fs::create_directories(models);
  fs::copy(source_dir() / "examples/nuclei_unet2d", models / "nuclei", fs::copy_options::recursive);
  const fs::path score = source_dir() / "tests/data/models/geometry/score_v05";
  std::vector<std::pair<std::string, std::string>> entries;
  for (const char* f : {"rdf.yaml", "weights.pt", "test_input.npy", "test_output.npy", "README.md"}) entries.push_back({f, slurp(score / f)});
  make_zip(models / "score.zip", entries);
  fs::create_directories(models / "broken");
  std::ofstream(models / "broken/rdf.yaml") << "format_version: 0.5.4\ntype: model\nname: broken\n";
  fs::create_directories(models / "legacy");
  std::ofstream(models / "legacy/config.xml") << "<Model>\n  <ModelInformation>\n    <Name>My legacy U-Net</Name>\n"
                                                 "  </ModelInformation>\n</Model>\n";
  fs::create_directories(models / "notes");
  std::ofstream(models / "notes/todo.txt") << "not a model\n";
  std::ofstream(models / "readme.txt") << "not a model either\n";
  fs::create_directories(models / ".hidden");
  std::ofstream(models / ".hidden/rdf.yaml") << "format_version: 0.5.4\n";
  return models;
}

TEST(Models, AFolderListsItsBundlesZipsAndLegacyModelsWithWhatRunsHere) {
  TempDir dir;
  const fs::path models = make_models_folder(dir.path());
  const CliResult r = run_cli({"models", "--dir", models.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto listing = nlohmann::json::parse(r.out);
  const auto& m = listing["models"];
  ASSERT_EQ(m.size(), 4u) << r.out;  // broken, legacy, nuclei, score.zip: sorted by name

  EXPECT_EQ(m[0]["path"], (models / "broken").string());
  EXPECT_NE(m[0]["error"].get<std::string>().find("inputs: required field is missing"), std::string::npos) << m[0];

  EXPECT_EQ(m[1]["kind"], "deepimagej");
  EXPECT_EQ(m[1]["name"], "My legacy U-Net");
  EXPECT_FALSE(m[1]["weights"][0]["runs_here"].get<bool>());

  EXPECT_EQ(m[2]["kind"], "bioimage.io");
  EXPECT_EQ(m[2]["name"], "deepimage nuclei U-Net 2D");
  EXPECT_EQ(m[2]["task"], "segmentation");
  EXPECT_EQ(m[2]["inputs"][0]["axes"], "bcyx");
  EXPECT_EQ(m[2]["size_bytes"].get<std::uint64_t>(), naive_folder_size(models / "nuclei"));
  std::vector<std::string> formats;
  for (const auto& w : m[2]["weights"]) {
    formats.push_back(w["format"]);
    EXPECT_TRUE(w["runs_here"].get<bool>()) << w;
  }
  EXPECT_EQ(formats, (std::vector<std::string>{"torchscript", "onnx"}));

  EXPECT_EQ(m[3]["path"], (models / "score.zip").string());
  EXPECT_EQ(m[3]["size_bytes"].get<std::uint64_t>(), fs::file_size(models / "score.zip"));
  EXPECT_EQ(m[3]["inputs"][0]["id"], "raw");

  // As text: one block per model, the unreadable one saying why.
  const CliResult text = run_cli({"models", "--dir", models.string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("4 models in " + models.string()), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("cannot be read: "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("legacy DeepImageJ bundle"), std::string::npos) << text.out;
}

TEST(Models, TheDefaultFolderComesFromTheEnvironmentAndAMissingOneIsAClearError) {
  TempDir dir;
  const fs::path models = make_models_folder(dir.path());
  ASSERT_EQ(setenv("DEEPIMAGE_MODELS", models.c_str(), 1), 0);
  const CliResult r = run_cli({"models", "--json"});
  unsetenv("DEEPIMAGE_MODELS");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["folder"], models.string());
  const CliResult missing = run_cli({"models", "--dir", (dir / "nowhere").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("models folder \"" + (dir / "nowhere").string() + "\" does not exist"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace deepimage::testing
