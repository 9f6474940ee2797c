// `deepimage pull` and MODEL given as a URL or an id, against a local HTTP server (tests/support/
// http_server.hpp) serving zips and folders made at test time from the project's own test models.
// Every refused pull must leave the models folder exactly as it was: empty.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

#include <cstdlib>
#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"
#include "support/http_server.hpp"
#include "support/zip_files.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

fs::path laplace() { return source_dir() / "tests/data/models/laplace2d_tiny"; }
fs::path unet3d() { return source_dir() / "tests/data/models/unet3d_tiny"; }
// laplace2d_tiny's rdf has no id: its folder is named after its name.
constexpr const char* kLaplaceFolder = "deepimage_3x3_Laplacian_filter_test_fixture";

// Every file of the source bundle is in the pulled folder with the same bytes.
void expect_same_files(const fs::path& source, const fs::path& pulled) {
  ASSERT_TRUE(fs::is_directory(pulled)) << pulled;
  for (const auto& e : fs::directory_iterator(source))
    EXPECT_EQ(slurp(pulled / e.path().filename()), slurp(e.path())) << e.path().filename();
}

bool holds_nothing(const fs::path& folder) { return fs::is_directory(folder) && fs::directory_iterator(folder) == fs::directory_iterator(); }

std::string sha256_of(const fs::path& file) {
  // An independent reference: the coreutils tool, not our OpenSSL code.
  const CliResult r = [&] {
    TempDir dir;
    const std::string cmd = "sha256sum " + shell_quote(file.string()) + " > " + shell_quote((dir / "sum").string());
    CliResult res;
    res.exit_code = std::system(cmd.c_str());
    res.out = slurp(dir / "sum");
    return res;
  }();
  EXPECT_EQ(r.exit_code, 0);
  return r.out.substr(0, 64);
}

// Sets an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) { setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

TEST(Pull, AZipByUrlUnpacksIntoTheModelsFolderAndPassesTest) {
  TempDir dir;
  // Zipped with its folder, as people zip bundles: the folder's content is what is unpacked.
  make_zip(dir / "laplace.zip", entries_of(laplace(), "laplace2d_tiny/"));
  LocalHttpServer server(dir.path());
  const fs::path models = dir / "models";
  const CliResult r = run_cli({"pull", server.url("laplace.zip"), "--dir", models.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(r.out);
  EXPECT_EQ(report["kind"], "zip url");
  EXPECT_EQ(report["path"], (models / kLaplaceFolder).string());
  EXPECT_EQ(report["files"], 5);
  EXPECT_FALSE(report["already_present"].get<bool>());
  expect_same_files(laplace(), models / kLaplaceFolder);
  // Not a terminal: progress comes as plain lines naming what was downloaded.
  EXPECT_NE(r.err.find("downloaded " + server.url("laplace.zip")), std::string::npos) << r.err;

  const CliResult test = run_cli({"test", (models / kLaplaceFolder).string()});
  EXPECT_EQ(test.exit_code, 0) << test.out << test.err;
  EXPECT_NE(test.out.find("passed"), std::string::npos);

  // Pulled again: a no-op that names the folder, until --force.
  const int before = server.requests();
  const CliResult again = run_cli({"pull", server.url("laplace.zip"), "--dir", models.string()});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("already present: " + (models / kLaplaceFolder).string()), std::string::npos) << again.out;
  EXPECT_EQ(server.requests(), before);
  const CliResult forced = run_cli({"pull", server.url("laplace.zip"), "--dir", models.string(), "--force", "--json"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_FALSE(json::parse(forced.out)["already_present"].get<bool>());
  EXPECT_EQ(server.requests(), before + 1);
  expect_same_files(laplace(), models / kLaplaceFolder);
}

TEST(Pull, AnRdfUrlFetchesTheFilesItNames) {
  TempDir dir;
  fs::create_directories(dir / "site");
  fs::copy(laplace(), dir / "site" / "laplace");
  LocalHttpServer server(dir / "site");
  const fs::path models = dir / "models";
  const CliResult r = run_cli({"pull", server.url("laplace/rdf.yaml"), "--dir", models.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["kind"], "rdf url");
  expect_same_files(laplace(), models / kLaplaceFolder);  // rdf, weights, test tensors, README
  EXPECT_EQ(run_cli({"test", (models / kLaplaceFolder).string()}).exit_code, 0);
}

TEST(Pull, AnRdfNamingFilesByUrlGetsLocalCopiesAndARewrittenRdf) {
  TempDir dir;
  fs::create_directories(dir / "site" / "m");
  fs::create_directories(dir / "site" / "weights-store");
  LocalHttpServer server(dir / "site");
  // As older rdfs on zenodo do: the weights elsewhere, by absolute URL.
  std::string rdf = slurp(laplace() / "rdf.yaml");
  const std::string weights_url = server.url("weights-store/weights.pt");
  rdf.replace(rdf.find("source: weights.pt"), std::string("source: weights.pt").size(), "source: " + weights_url);
  std::ofstream(dir / "site" / "m" / "rdf.yaml") << rdf;
  for (const char* f : {"README.md", "test_input.npy", "test_output.npy"}) fs::copy(laplace() / f, dir / "site" / "m" / f);
  fs::copy(laplace() / "weights.pt", dir / "site" / "weights-store" / "weights.pt");

  const fs::path models = dir / "models";
  const CliResult r = run_cli({"pull", server.url("m/rdf.yaml"), "--dir", models.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(models / kLaplaceFolder / "weights.pt"), slurp(laplace() / "weights.pt"));
  EXPECT_EQ(slurp(models / kLaplaceFolder / "rdf.yaml"), slurp(laplace() / "rdf.yaml"));  // the URL became the file name
  EXPECT_EQ(run_cli({"test", (models / kLaplaceFolder).string()}).exit_code, 0);
}

TEST(Pull, AnRdfNamingAFileOutsideItsFolderIsRefused) {
  TempDir dir;
  fs::create_directories(dir / "site" / "m");
  std::string rdf = slurp(laplace() / "rdf.yaml");
  rdf.replace(rdf.find("source: test_input.npy"), std::string("source: test_input.npy").size(), "source: ../secret.npy");
  std::ofstream(dir / "site" / "m" / "rdf.yaml") << rdf;
  for (const char* f : {"README.md", "weights.pt", "test_output.npy"}) fs::copy(laplace() / f, dir / "site" / "m" / f);
  fs::copy(laplace() / "test_input.npy", dir / "site" / "secret.npy");
  LocalHttpServer server(dir / "site");
  const fs::path models = dir / "models";
  const CliResult r = run_cli({"pull", server.url("m/rdf.yaml"), "--dir", models.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("entry \"../secret.npy\" reaches outside the bundle"), std::string::npos) << r.err;
  EXPECT_TRUE(holds_nothing(models));
  EXPECT_EQ(server.requests(), 1);  // refused before any file it names was fetched
}

// A collection index in the bioimage.io layout: one entry of today's (id = the animal name, the rdf
// with its hash), one of the older (id = a DOI, the animal name as nickname, a zip).
void write_collection(const fs::path& site, const LocalHttpServer& server, const std::string& rdf_sha256) {
  fs::copy(laplace(), site / "laplace");
  make_zip(site / "unet3d.zip", entries_of(unet3d()));
  const json index = {
      {"collection",
       {{{"id", "tiny-laplace"}, {"type", "model"}, {"name", "laplace"}, {"rdf_source", server.url("laplace/rdf.yaml")},
         {"rdf_sha256", rdf_sha256}},
        {{"id", "10.5281/zenodo.1234567"}, {"nickname", "wee-unet"}, {"type", "model"}, {"download_url", server.url("unet3d.zip")}},
        {{"id", "some-dataset"}, {"type", "dataset"}, {"rdf_source", server.url("nothing.yaml")}}}}};
  std::ofstream(site / "collection.json") << index.dump(1);
}

TEST(Pull, ByIdAndByNicknameThroughACollection) {
  TempDir dir;
  fs::create_directories(dir / "site");
  LocalHttpServer server(dir / "site");
  write_collection(dir / "site", server, sha256_of(laplace() / "rdf.yaml"));
  const fs::path models = dir / "models";
  const std::string index = server.url("collection.json");

  const CliResult by_id = run_cli({"pull", "tiny-laplace", "--collection", index, "--dir", models.string(), "--json"});
  ASSERT_EQ(by_id.exit_code, 0) << by_id.err;
  EXPECT_EQ(json::parse(by_id.out)["kind"], "collection");
  expect_same_files(laplace(), models / "tiny-laplace");  // the folder is named after the collection id

  const CliResult by_nickname = run_cli({"pull", "wee-unet", "--collection", index, "--dir", models.string()});
  ASSERT_EQ(by_nickname.exit_code, 0) << by_nickname.err;
  expect_same_files(unet3d(), models / "10.5281_zenodo.1234567");
  EXPECT_EQ(run_cli({"test", (models / "10.5281_zenodo.1234567").string()}).exit_code, 0);

  // The same model by its DOI: already there, found without fetching it again.
  const CliResult by_doi = run_cli({"pull", "10.5281/zenodo.1234567", "--collection", index, "--dir", models.string()});
  EXPECT_EQ(by_doi.exit_code, 0) << by_doi.err;
  EXPECT_NE(by_doi.out.find("already present"), std::string::npos) << by_doi.out;

  const CliResult missing = run_cli({"pull", "no-such-model", "--collection", index, "--dir", models.string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no model \"no-such-model\" in the collection \"" + index + "\""), std::string::npos) << missing.err;
  const CliResult dataset = run_cli({"pull", "some-dataset", "--collection", index, "--dir", models.string()});
  EXPECT_EQ(dataset.exit_code, 1);
  EXPECT_NE(dataset.err.find("is a dataset, not a model"), std::string::npos) << dataset.err;
}

TEST(Pull, ACollectionEntrysRdfHashIsChecked) {
  TempDir dir;
  fs::create_directories(dir / "site");
  LocalHttpServer server(dir / "site");
  write_collection(dir / "site", server, std::string(64, '0'));
  const fs::path models = dir / "models";
  const CliResult r = run_cli({"pull", "tiny-laplace", "--collection", server.url("collection.json"), "--dir", models.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("sha256 mismatch (expected " + std::string(64, '0')), std::string::npos) << r.err;
  EXPECT_TRUE(holds_nothing(models));
}

TEST(Pull, ALocalZip) {
  TempDir dir;
  make_zip(dir / "unet3d.zip", entries_of(unet3d()));
  const fs::path models = dir / "models";
  const CliResult r = run_cli({"pull", (dir / "unet3d.zip").string(), "--dir", models.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(r.out);
  EXPECT_EQ(report["kind"], "local zip");
  EXPECT_EQ(report["bytes_downloaded"], 0);
  expect_same_files(unet3d(), report["path"].get<std::string>());
  EXPECT_TRUE(fs::exists(dir / "unet3d.zip"));  // the input is never changed
  // A .zip or a path that is not there is named as missing, never looked up as a model id (which
  // would go to the network).
  for (const std::string missing : {(dir / "unet3e.zip").string(), std::string("no_such.ZIP"), std::string("./unet3d")}) {
    const CliResult m = run_cli({"pull", missing, "--dir", models.string(), "--collection", "/no/collection/here.json"});
    EXPECT_EQ(m.exit_code, 1) << m.err;
    EXPECT_EQ(m.err, "error: \"" + missing + "\" does not exist; pull takes a URL, a local .zip or a model id\n");
  }
}

TEST(Pull, AWrongSha256IsRefusedAndLeavesNothing) {
  TempDir dir;
  make_zip(dir / "laplace.zip", entries_of(laplace()));
  LocalHttpServer server(dir.path());
  const fs::path models = dir / "models";
  const std::string wrong(64, 'a');
  const CliResult r = run_cli({"pull", server.url("laplace.zip"), "--sha256", wrong, "--dir", models.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(line_count(r.err), 2) << r.err;  // the progress line, then the one-line error
  EXPECT_NE(r.err.find("error: \"" + server.url("laplace.zip") + "\": sha256 mismatch (expected " + wrong + ", got " +
                       sha256_of(dir / "laplace.zip") + ")"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(holds_nothing(models));  // not even the hidden work folder

  // The right hash is accepted (upper case too).
  std::string right = sha256_of(dir / "laplace.zip");
  for (auto& c : right) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(run_cli({"pull", server.url("laplace.zip"), "--sha256", right, "--dir", models.string()}).exit_code, 0);
  const CliResult bad = run_cli({"pull", server.url("laplace.zip"), "--sha256", "abc", "--dir", models.string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("\"abc\" is not a sha256"), std::string::npos) << bad.err;
}

// A zip with a hostile entry, made with libzip: `name` holding `content`, as a symbolic link when asked.
void make_hostile_zip(const fs::path& path, const std::string& name, const std::string& content, bool symlink = false) {
  std::vector<std::pair<std::string, std::string>> entries = entries_of(laplace());
  entries.emplace_back(name, content);
  make_zip(path, entries);
  if (!symlink) return;
  int err = 0;
  zip_t* z = zip_open(path.c_str(), 0, &err);
  ASSERT_NE(z, nullptr);
  const zip_int64_t index = zip_name_locate(z, name.c_str(), 0);
  ASSERT_GE(index, 0);
  ASSERT_EQ(zip_file_set_external_attributes(z, static_cast<zip_uint64_t>(index), 0, ZIP_OPSYS_UNIX, 0120777u << 16), 0);
  ASSERT_EQ(zip_close(z), 0);
}

TEST(Pull, HostileZipsAreRefusedAndLeaveNothing) {
  TempDir dir;
  fs::create_directories(dir / "a" / "b");
  const fs::path models = dir / "a" / "b" / "models";
  make_hostile_zip(dir / "slip.zip", "../evil", "escaped");
  make_hostile_zip(dir / "slip_deep.zip", "sub/../../../evil", "escaped");
  make_hostile_zip(dir / "absolute.zip", (dir / "absolute_evil").string(), "escaped");
  make_hostile_zip(dir / "link.zip", "link", "/etc/passwd", /*symlink=*/true);
  LocalHttpServer server(dir.path());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"slip.zip", "entry \"../evil\" reaches outside the bundle with \"..\""},
      {"slip_deep.zip", "entry \"sub/../../../evil\" reaches outside the bundle with \"..\""},
      {"absolute.zip", "entry \"" + (dir / "absolute_evil").string() + "\" is an absolute path"},
      {"link.zip", "entry \"link\" is a symbolic link"}};
  for (const auto& [zip, message] : cases) {
    const CliResult r = run_cli({"pull", server.url(zip), "--dir", models.string()});
    EXPECT_EQ(r.exit_code, 1) << zip;
    EXPECT_NE(r.err.find(message), std::string::npos) << zip << ": " << r.err;
    EXPECT_TRUE(holds_nothing(models)) << zip;
    // The same zip from disk is refused the same way.
    const CliResult local = run_cli({"pull", (dir / zip).string(), "--dir", models.string()});
    EXPECT_EQ(local.exit_code, 1) << zip;
    EXPECT_NE(local.err.find(message), std::string::npos) << zip << ": " << local.err;
    EXPECT_TRUE(holds_nothing(models)) << zip;
  }
  for (const fs::path& escaped : {dir / "a" / "evil", dir / "evil", dir / "a" / "b" / "evil", dir / "absolute_evil"})
    EXPECT_FALSE(fs::exists(escaped)) << escaped;
}

TEST(Pull, ZipBombsAreRefusedBeforeTheyAreUnpacked) {
  TempDir dir;
  const fs::path models = dir / "models";
  // 200 MiB of zeros deflate to about 200 KiB: 1000 times, over the 100-times cap for entries over 64 MiB.
  auto bomb = entries_of(laplace());
  bomb.emplace_back("zeros.bin", std::string(std::size_t{200} << 20, '\0'));
  make_zip(dir / "bomb.zip", bomb);
  bomb.clear();
  ASSERT_LT(fs::file_size(dir / "bomb.zip"), std::uintmax_t{2} << 20);
  const CliResult r = run_cli({"pull", (dir / "bomb.zip").string(), "--dir", models.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("entry \"zeros.bin\" expands"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("a zip bomb?"), std::string::npos) << r.err;
  EXPECT_TRUE(holds_nothing(models));

  // More entries than any bundle has (10000 allowed).
  auto many = entries_of(laplace());
  for (int i = 0; i < 10001; ++i) many.emplace_back("f/" + std::to_string(i), "");
  make_zip(dir / "many.zip", many);
  const CliResult m = run_cli({"pull", (dir / "many.zip").string(), "--dir", models.string()});
  EXPECT_EQ(m.exit_code, 1);
  EXPECT_NE(m.err.find("holds 10006 entries, more than the 10000 allowed"), std::string::npos) << m.err;
  EXPECT_TRUE(holds_nothing(models));

  // An entry whose declared size is a lie is caught while it is written.
  make_zip(dir / "liar.zip", entries_of(laplace()));
  declare_size(dir / "liar.zip", "README.md", 10);
  const CliResult liar = run_cli({"pull", (dir / "liar.zip").string(), "--dir", models.string()});
  EXPECT_EQ(liar.exit_code, 1);
  EXPECT_NE(liar.err.find("README.md"), std::string::npos) << liar.err;
  EXPECT_TRUE(holds_nothing(models));
}

TEST(Pull, HttpErrorsNameTheStatusAndTheUrl) {
  TempDir dir;
  LocalHttpServer server(dir.path());
  const fs::path models = dir / "models";
  const CliResult r = run_cli({"pull", server.url("missing/model.zip"), "--dir", models.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("error: cannot download \"" + server.url("missing/model.zip") + "\": HTTP 404 Not Found"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(holds_nothing(models));

  // A file the rdf names that the server lacks: the pull fails naming it and leaves nothing.
  fs::copy(laplace(), dir / "m");
  fs::remove(dir / "m" / "test_output.npy");
  const CliResult partial = run_cli({"pull", server.url("m/rdf.yaml"), "--dir", models.string()});
  EXPECT_EQ(partial.exit_code, 1);
  EXPECT_NE(partial.err.find("cannot download \"" + server.url("m/test_output.npy") + "\": HTTP 404 Not Found"),
            std::string::npos)
      << partial.err;
  EXPECT_TRUE(holds_nothing(models));

  // Nothing listens on a port just freed: a connection error, in one line.
  std::string closed_url;
  {
    LocalHttpServer gone(dir.path());
    closed_url = gone.url("m.zip");
  }
  const CliResult refused = run_cli({"pull", closed_url, "--dir", models.string()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("error: cannot download \"" + closed_url + "\": "), std::string::npos) << refused.err;
}

TEST(Pull, CtrlCStopsADownloadAndLeavesNothing) {
  TempDir dir;
  std::string big(std::size_t{1} << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) % 251);
  std::ofstream(dir / "big.zip", std::ios::binary) << big;
  LocalHttpServer server(dir.path(), 65536);  // 16 s for the whole file
  const fs::path models = dir / "models";
  const std::string err_path = (dir / "err.txt").string();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const int fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDERR_FILENO);
    std::vector<std::string> args = {DEEPIMAGE_CLI, "pull", server.url("big.zip"), "--dir", models.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(DEEPIMAGE_CLI, argv.data());
    _exit(127);
  }
  // Interrupted once part of the file has arrived in the hidden work folder.
  const auto partial = [&] {
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(models, ec))
      if (e.path().filename() == "download" && e.file_size() > 0) return true;
    return false;
  };
  for (int i = 0; i < 100 && !partial(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(partial());
  kill(child, SIGINT);
  int status = 0;
  waitpid(child, &status, 0);
  const std::string err = slurp(err_path);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by the signal instead of stopping: " << err;
  EXPECT_EQ(WEXITSTATUS(status), 130) << err;
  EXPECT_NE(err.find("error: download of \"" + server.url("big.zip") + "\" interrupted"), std::string::npos) << err;
  EXPECT_TRUE(holds_nothing(models));
}

TEST(Pull, RunTestAndInfoTakeAUrlOrAnIdAndPullItOnce) {
  TempDir dir;
  fs::create_directories(dir / "site");
  LocalHttpServer server(dir / "site");
  make_zip(dir / "site" / "laplace.zip", entries_of(laplace()));
  write_collection(dir / "site", server, sha256_of(laplace() / "rdf.yaml"));
  const ScopedEnv models_env("DEEPIMAGE_MODELS", (dir / "cache").string());
  const ScopedEnv collection_env("DEEPIMAGE_COLLECTION", server.url("collection.json"));
  const std::string url = server.url("laplace.zip");

  const CliResult test = run_cli({"test", url});
  EXPECT_EQ(test.exit_code, 0) << test.out << test.err;
  EXPECT_NE(test.out.find("passed"), std::string::npos);
  expect_same_files(laplace(), dir / "cache" / kLaplaceFolder);

  // Again, from the cache: no request to the server.
  const int before = server.requests();
  const CliResult run = run_cli({"run", url, (laplace() / "test_input.npy").string(), "-o", (dir / "edges.npy").string(),
                                "--pad", "zeros"});  // the network's own border, as its test output saw it
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(server.requests(), before);
  EXPECT_EQ(max_abs_diff(io::read_npy(dir / "edges.npy"), io::read_npy(laplace() / "test_output.npy")), 0.0);

  const CliResult info = run_cli({"info", "tiny-laplace", "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_EQ(json::parse(info.out)["name"], "deepimage 3x3 Laplacian filter test fixture");
  EXPECT_TRUE(fs::is_directory(dir / "cache" / "tiny-laplace"));

  // A missing file keeps its usual error; an unknown id says it was looked up.
  const CliResult missing = run_cli({"info", (dir / "nothing.zip").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
  const CliResult unknown = run_cli({"test", "no-such-model"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("model \"no-such-model\" is not a file or folder, and as a model id: no model \"no-such-model\""),
            std::string::npos)
      << unknown.err;
}

}  // namespace
}  // namespace deepimage::testing
