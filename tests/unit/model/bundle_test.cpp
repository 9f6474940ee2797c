// Bundles as folders and zips (built with libzip, tests/support/zip_files.hpp), and the refusal of entries that
// would reach outside the bundle.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "deepimage/error.hpp"
#include "model/bundle.hpp"
#include "model/model.hpp"
#include "support/cli.hpp"
#include "support/zip_files.hpp"

namespace deepimage::model {
namespace {

using deepimage::testing::realdata;
using deepimage::testing::slurp;
using deepimage::testing::TempDir;
using deepimage::testing::declare_size;
using deepimage::testing::make_zip;

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

// A 3 MB zip can hold a 1 GiB rdf.yaml; it is refused from the size it declares, before any reading.
TEST(Bundle, ModelDescriptionsLargerThanTheTextCapAreRefused) {
  TempDir dir;
  make_zip(dir / "big_rdf.zip", {{"rdf.yaml", "format_version: 0.5.4\n"}, {"weights.pt", "w"}});
  declare_size(dir / "big_rdf.zip", "rdf.yaml", 1u << 30);
  const Bundle b = Bundle::open(dir / "big_rdf.zip");
  EXPECT_EQ(error_of([&] { b.read_text("rdf.yaml"); }),
            "\"rdf.yaml\" in \"" + (dir / "big_rdf.zip").string() +
                "\" is 1073741824 bytes, more than the 16777216 allowed for a model description");
  // In a folder too (a sparse file: nothing is written).
  std::filesystem::create_directories(dir / "m");
  std::ofstream(dir / "m" / "rdf.yaml") << "x: 1\n";
  std::filesystem::resize_file(dir / "m" / "rdf.yaml", kMaxTextEntryBytes + 1);
  EXPECT_NE(error_of([&] { Bundle::open(dir / "m").read_text("rdf.yaml"); }).find("is 16777217 bytes, more than the 16777216"),
            std::string::npos);
  std::filesystem::resize_file(dir / "m" / "rdf.yaml", kMaxTextEntryBytes);
  EXPECT_EQ(Bundle::open(dir / "m").read_text("rdf.yaml").size(), kMaxTextEntryBytes);
}

TEST(Bundle, EntriesLargerThanTheEntryCapAreRefused) {
  TempDir dir;
  std::filesystem::create_directories(dir / "m");
  std::ofstream(dir / "m" / "rdf.yaml") << "x: 1\n";
  std::ofstream(dir / "m" / "weights.pt") << "w";
  std::filesystem::resize_file(dir / "m" / "weights.pt", kMaxEntryBytes + 1);  // sparse
  EXPECT_NE(error_of([&] { Bundle::open(dir / "m").read("weights.pt"); }).find("weights.pt\" is 4294967297 bytes, more than the 4294967296 allowed for a bundle entry"),
            std::string::npos);
}

// A 7.8 KB zip declaring a 4 GB entry, and a real zip bomb, are refused before anything is allocated.
TEST(Bundle, ZipEntriesThatExpandTooMuchAreRefused) {
  TempDir dir;
  make_zip(dir / "liar.zip", {{"rdf.yaml", "x: 1\n"}, {"weights.pt", std::string(1000, 'w')}});
  declare_size(dir / "liar.zip", "weights.pt", 4000000000u);
  EXPECT_NE(error_of([&] { Bundle::open(dir / "liar.zip").read("weights.pt"); }).find("to 4000000000 (more than 100 times: a zip bomb?)"),
            std::string::npos)
      << error_of([&] { Bundle::open(dir / "liar.zip").read("weights.pt"); });
  make_zip(dir / "bomb.zip", {{"rdf.yaml", "x: 1\n"}, {"weights.pt", std::string(kRatioCheckBytes + 1, '\0')}});
  ASSERT_LT(std::filesystem::file_size(dir / "bomb.zip"), kRatioCheckBytes / kMaxCompressionRatio);
  EXPECT_NE(error_of([&] { Bundle::open(dir / "bomb.zip").read("weights.pt"); }).find("a zip bomb?"), std::string::npos);
  // Below kRatioCheckBytes, a highly compressible entry (tiny test weights are mostly zeros) is fine.
  make_zip(dir / "zeros.zip", {{"rdf.yaml", "x: 1\n"}, {"weights.pt", std::string(1 << 20, '\0')}});
  EXPECT_EQ(Bundle::open(dir / "zeros.zip").read("weights.pt").size(), 1u << 20);
}

TEST(Bundle, ZipEntriesThatDoNotHoldTheirDeclaredSizeAreRefused) {
  TempDir dir;
  make_zip(dir / "more.zip", {{"rdf.yaml", "x: 1\n"}, {"weights.pt", std::string(1 << 20, '\0')}});
  declare_size(dir / "more.zip", "weights.pt", 1000);
  const std::string more = error_of([&] { Bundle::open(dir / "more.zip").read("weights.pt"); });
  EXPECT_NE(more.find("\"weights.pt\" in \"" + (dir / "more.zip").string() + "\""), std::string::npos) << more;
  EXPECT_EQ(more.find('\n'), std::string::npos) << more;
  make_zip(dir / "less.zip", {{"rdf.yaml", "x: 1\n"}, {"weights.pt", std::string(1000, 'w')}});
  declare_size(dir / "less.zip", "weights.pt", 2000);
  const std::string less = error_of([&] { Bundle::open(dir / "less.zip").read("weights.pt"); });
  EXPECT_NE(less.find("\"weights.pt\" in \"" + (dir / "less.zip").string() + "\""), std::string::npos) << less;
}

// Zips refuse "../" names; a folder's symbolic link must not reach outside either.
TEST(Bundle, FolderLinksOutsideTheBundleAreRefused) {
  TempDir dir;
  std::filesystem::create_directories(dir / "m" / "sub");
  std::ofstream(dir / "m" / "rdf.yaml") << "x: 1\n";
  std::ofstream(dir / "secret.pt") << "secret";
  std::ofstream(dir / "m" / "sub" / "real.pt") << "inside";
  std::filesystem::create_symlink(dir / "secret.pt", dir / "m" / "weights.pt");
  std::filesystem::create_symlink("sub/real.pt", dir / "m" / "linked.pt");
  const Bundle b = Bundle::open(dir / "m");
  const std::string e = error_of([&] { b.read("weights.pt"); });
  EXPECT_NE(e.find("weights.pt\" is a link to \"" + std::filesystem::canonical(dir / "secret.pt").string() +
                   "\", outside the model folder"),
            std::string::npos)
      << e;
  EXPECT_EQ(b.read("linked.pt").size(), 6u);  // a link that stays inside is fine
}

}  // namespace
}  // namespace deepimage::model
