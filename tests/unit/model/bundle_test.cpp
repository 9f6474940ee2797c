// Bundles as folders and zips (zips are built here with libzip), and the refusal of entries that
// would reach outside the bundle.
#include <gtest/gtest.h>

#include <zip.h>

#include <fstream>
#include <functional>

#include "deepimage/error.hpp"
#include "model/bundle.hpp"
#include "model/model.hpp"
#include "support/cli.hpp"

namespace deepimage::model {
namespace {

using deepimage::testing::realdata;
using deepimage::testing::slurp;
using deepimage::testing::TempDir;

void make_zip(const std::filesystem::path& path, const std::vector<std::pair<std::string, std::string>>& entries) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(z, nullptr);
  std::vector<std::string> keep;  // libzip reads the buffers at close
  keep.reserve(entries.size());
  for (const auto& [name, content] : entries) {
    keep.push_back(content);
    zip_source_t* src = zip_source_buffer(z, keep.back().data(), keep.back().size(), 0);
    ASSERT_GE(zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8), 0) << name;
  }
  ASSERT_EQ(zip_close(z), 0);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Bundle, ZipIsReadInPlace) {
  TempDir dir;
  make_zip(dir / "m.zip", {{"rdf.yaml", "format_version: 0.5.4\n"}, {"weights.pt", "1234"}});
  const Bundle b = Bundle::open(dir / "m.zip");
  EXPECT_TRUE(b.is_zip());
  EXPECT_EQ(b.rdf_name(), "rdf.yaml");
  EXPECT_EQ(b.read_text("./weights.pt"), "1234");
  EXPECT_TRUE(b.contains("weights.pt"));
  EXPECT_FALSE(b.contains("other.pt"));
  // sha256("1234"), from `printf 1234 | sha256sum`
  EXPECT_EQ(b.sha256("weights.pt"), "03ac674216f3e15c761ee1a5e255f067953623c8b388b4459e13f978d7c846f4");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);  // nothing unpacked
}

TEST(Bundle, ZipWithOneTopFolder) {
  TempDir dir;
  make_zip(dir / "m.zip", {{"model/bioimageio.yaml", "x: 1\n"}, {"model/w.pt", "w"}});
  const Bundle b = Bundle::open(dir / "m.zip");
  EXPECT_EQ(b.rdf_name(), "bioimageio.yaml");
  EXPECT_EQ(b.read_text("w.pt"), "w");
}

TEST(Bundle, ZipEntriesOutsideTheBundleAreRefused) {
  TempDir dir;
  make_zip(dir / "evil.zip", {{"rdf.yaml", "x: 1\n"}, {"../evil.txt", "x"}});
  EXPECT_NE(error_of([&] { Bundle::open(dir / "evil.zip"); }).find("\"../evil.txt\" reaches outside"), std::string::npos);
  make_zip(dir / "abs.zip", {{"rdf.yaml", "x: 1\n"}, {"/etc/evil", "x"}});
  EXPECT_NE(error_of([&] { Bundle::open(dir / "abs.zip"); }).find("absolute"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path().parent_path() / "evil.txt"));
}

TEST(Bundle, NamesReachingOutsideAFolderAreRefused) {
  TempDir dir;
  std::filesystem::create_directories(dir / "m");
  std::ofstream(dir / "m" / "rdf.yaml") << "x: 1\n";
  const Bundle b = Bundle::open(dir / "m");
  EXPECT_NE(error_of([&] { b.read("../secret"); }).find("reaches outside"), std::string::npos);
  EXPECT_NE(error_of([&] { b.read("/etc/passwd"); }).find("absolute"), std::string::npos);
  EXPECT_NE(error_of([&] { b.read("missing.pt"); }).find("missing.pt"), std::string::npos);
}

TEST(Bundle, FolderLookupAndErrors) {
  TempDir dir;
  std::filesystem::create_directories(dir / "empty");
  EXPECT_NE(error_of([&] { Bundle::open(dir / "empty"); }).find("looked for rdf.yaml"), std::string::npos);
  EXPECT_NE(error_of([&] { Bundle::open(dir / "nothing"); }).find("does not exist"), std::string::npos);
  std::filesystem::create_directories(dir / "two");
  std::ofstream(dir / "two" / "a.bioimageio.yaml") << "x: 1\n";
  std::ofstream(dir / "two" / "b.bioimageio.yaml") << "x: 1\n";
  EXPECT_NE(error_of([&] { Bundle::open(dir / "two"); }).find("a.bioimageio.yaml, b.bioimageio.yaml"), std::string::npos);
  // A named rdf file picks one of them.
  EXPECT_EQ(Bundle::open(dir / "two" / "b.bioimageio.yaml").rdf_name(), "b.bioimageio.yaml");
  std::ofstream(dir / "two" / "rdf.yaml") << "x: 1\n";
  EXPECT_EQ(Bundle::open(dir / "two").rdf_name(), "rdf.yaml");  // rdf.yaml ranks first
}

TEST(Bundle, ZipOfARealRdfGivesTheSameModelAsItsFolder) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto folder = realdata() / "unet2d_multi_tensor";
  TempDir dir;
  // Entries written with a "./" prefix, as some zip tools do; the rdf sits in one top-level folder.
  make_zip(dir / "multi.zip", {{"multi/bioimageio.yaml", slurp(folder / "bioimageio.yaml")},
                               {"multi/./documentation.md", "a small file"}});
  const Model zipped = open_model(dir / "multi.zip");
  const Model plain = open_model(folder);
  EXPECT_TRUE(zipped.bundle.is_zip());
  EXPECT_EQ(zipped.spec.name, plain.spec.name);
  EXPECT_EQ(zipped.spec.inputs.size(), plain.spec.inputs.size());
  EXPECT_EQ(zipped.spec.outputs[1].axis('y')->size.ref_tensor, "input1");
  EXPECT_EQ(zipped.bundle.read_text("documentation.md"), "a small file");
  EXPECT_EQ(zipped.bundle.sha256("bioimageio.yaml"), plain.bundle.sha256("bioimageio.yaml"));
  try {
    zipped.bundle.read("weights.pt");  // not put in this zip
    ADD_FAILURE() << "a missing entry was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    EXPECT_NE(std::string(e.what()).find("\"weights.pt\""), std::string::npos) << e.what();
  }
}

TEST(Bundle, RdfFilePathsWithLongNames) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const Bundle v04 = Bundle::open(realdata() / "unet2d_nuclei_broad" / "v0_4_9.bioimageio.yaml");
  EXPECT_EQ(v04.rdf_name(), "v0_4_9.bioimageio.yaml");
  EXPECT_TRUE(v04.contains("weights.onnx"));
  const Bundle tik = Bundle::open(realdata() / "unet2d_nuclei_broad_tiktorch_opset9" / "UNet2DNucleiBroad.model.yaml");
  EXPECT_EQ(tik.rdf_name(), "UNet2DNucleiBroad.model.yaml");
  // The folder itself holds bioimageio.yaml and v0_4_9.bioimageio.yaml: the exact name ranks first.
  EXPECT_EQ(Bundle::open(realdata() / "unet2d_nuclei_broad").rdf_name(), "bioimageio.yaml");
}

TEST(Bundle, ErrorCodes) {
  TempDir dir;
  try {
    Bundle::open(dir / "nothing.zip");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    EXPECT_NE(std::string(e.what()).find("nothing.zip"), std::string::npos);
  }
  std::filesystem::create_directories(dir / "empty");
  try {
    Bundle::open(dir / "empty");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_model);
  }
  make_zip(dir / "evil.zip", {{"rdf.yaml", "x: 1\n"}, {"a/../../evil.txt", "x"}});
  try {
    Bundle::open(dir / "evil.zip");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_model);
    EXPECT_NE(std::string(e.what()).find("\"a/../../evil.txt\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace deepimage::model
