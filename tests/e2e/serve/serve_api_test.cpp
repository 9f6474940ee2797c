// deepimage serve's JSON API (docs/server.md), through a real `deepimage serve --port 0` process and
// httplib's client, on real models (../shared/realdata, used in place through symbolic links) and real
// images. References: the CLI's own `models --json`, `info --json`, `info --architecture` and `run`
// on the same files; the output TIFF read back.
#include <gtest/gtest.h>

#include <httplib.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "io/image.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"
#include "io/npy.hpp"
#include "support/serve_process.hpp"
#include "support/tolerances.hpp"
#include "support/zip_files.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kImages = realdata() / "images";
const fs::path kSmallImage = kImages / "bioimage_notebooks" / "BBBC038_0bf4b1.tif";    // 256x256 u8: one tile
const fs::path kLargeImage = kImages / "instanseg_examples" / "HE_example.tif";        // 1484x1380 RGB: 16 tiles of channel 0
const fs::path kNuclei = kImages / "stardist_testdata" / "img2d.tif";                  // 512x512 u16: 4 tiles (512, halo 32)
constexpr int kStackSlices = 12;

std::string file_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// The error body's one line, or a note that there was none.
std::string error_of(const httplib::Result& r) {
  if (!r) return "(no answer)";
  try {
    return json::parse(r->body).at("error").get<std::string>();
  } catch (const std::exception&) {
    return "(not an error JSON: " + r->body.substr(0, 200) + ")";
  }
}

class ServeApi : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(realdata())) GTEST_SKIP() << "../shared/realdata is absent";
    models_ = tmp_.path() / "models";
    fs::create_directories(models_);
    for (const char* m : {"unet2d_nuclei_broad", "unet2d_multi_tensor"}) fs::create_directory_symlink(realdata() / m, models_ / m);
    web_ = tmp_.path() / "web";
    fs::create_directories(web_ / "assets");
    std::ofstream(web_ / "index.html") << "<!doctype html><title>app</title>";
    std::ofstream(web_ / "assets" / "app.js") << "console.log(1);";
    // A long run for cancelling and loads: the real nuclei image 12 times as a z stack (48 tiles).
    stack_ = tmp_.path() / "nuclei_stack.tif";
    const io::Image plane = io::read_image(kNuclei);
    Tensor pixels(plane.pixels.dtype(), {kStackSlices, plane.pixels.size('y'), plane.pixels.size('x')}, "zyx");
    for (int z = 0; z < kStackSlices; ++z)
      std::memcpy(pixels.bytes() + z * plane.pixels.byte_count(), plane.pixels.bytes(), plane.pixels.byte_count());
    io::write_image({pixels, std::nullopt}, stack_);
    run_tmp_ = tmp_.path() / "tmp";
    fs::create_directories(run_tmp_);
    start();
  }

  void start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--models", models_.string(), "--web", web_.string(), "--max-upload", "16M"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ServeProcess>(args, run_tmp_);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(120, 0);
  }

  // The server's folder for runs, under its TMPDIR.
  std::vector<fs::path> server_folders() const {
    std::vector<fs::path> found;
    for (const auto& e : fs::directory_iterator(run_tmp_))
      if (e.path().filename().string().rfind("deepimage-serve-", 0) == 0) found.push_back(e.path());
    return found;
  }
  // Every file under the server's folder for runs.
  std::vector<fs::path> run_files() const {
    std::vector<fs::path> files;
    for (const fs::path& root : server_folders())
      for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file()) files.push_back(e.path());
    return files;
  }

  httplib::Result post_run(const httplib::MultipartFormDataItems& items) { return client_->Post("/api/runs", items); }
  static httplib::MultipartFormData image_part(const fs::path& image, const std::string& name = "") {
    return {"image", file_bytes(image), name.empty() ? image.filename().string() : name, "application/octet-stream"};
  }
  std::string start_run(const httplib::MultipartFormDataItems& items) {
    const auto r = post_run(items);
    EXPECT_TRUE(r);
    if (!r) return "";
    EXPECT_EQ(r->status, 202) << r->body;
    return json::parse(r->body).value("id", "");
  }
  json status(const std::string& id) {
    const auto r = client_->Get("/api/runs/" + id);
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    return r && r->status == 200 ? json::parse(r->body) : json::object();
  }
  json wait_until(const std::string& id, const std::function<bool(const json&)>& done, int seconds = 240) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    json s;
    while (std::chrono::steady_clock::now() < deadline) {
      s = status(id);
      if (s.empty() || done(s)) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "run " << id << " did not get there in " << seconds << " s: " << s.dump();
    return s;
  }
  json wait_finished(const std::string& id) {
    return wait_until(id, [](const json& s) { return s["state"] != "queued" && s["state"] != "running"; });
  }

  TempDir tmp_;
  fs::path models_, web_, run_tmp_, stack_;
  std::unique_ptr<ServeProcess> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ServeApi, ModelsListTheFolderAsTheCliDoes) {
  const auto r = client_->Get("/api/models");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  const json listed = json::parse(r->body);
  const CliResult cli = run_cli({"models", "--json", "--dir", models_.string()});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const json expected = json::parse(cli.out)["models"];
  ASSERT_EQ(listed.size(), expected.size());
  for (std::size_t i = 0; i < listed.size(); ++i) {
    const json& m = listed[i];
    const json& e = expected[i];
    EXPECT_EQ(m["id"], fs::path(e["path"].get<std::string>()).filename().string());
    EXPECT_EQ(m["name"], e["name"]);
    EXPECT_EQ(m["description"], e["description"]);
    EXPECT_EQ(m["task"], e["task"]);
    ASSERT_EQ(m["formats"].size(), e["weights"].size());
    bool runnable = false;
    for (std::size_t k = 0; k < e["weights"].size(); ++k) {
      EXPECT_EQ(m["formats"][k], e["weights"][k]["format"]);
      runnable = runnable || e["weights"][k]["runs_here"].get<bool>();
    }
    EXPECT_EQ(m["runnable"], runnable);
    EXPECT_TRUE(m["tags"].is_array());
  }
}

TEST_F(ServeApi, CardMatchesInfoJsonAndItsArchitecture) {
  const auto r = client_->Get("/api/models/unet2d_nuclei_broad");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json card = json::parse(r->body);
  const CliResult info = run_cli({"info", "--json", (models_ / "unet2d_nuclei_broad").string()});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const json e = json::parse(info.out);
  EXPECT_EQ(card["id"], "unet2d_nuclei_broad");
  for (const char* key : {"name", "description", "license", "authors", "cite", "tags"}) EXPECT_EQ(card[key], e[key]) << key;
  ASSERT_EQ(card["inputs"].size(), e["inputs"].size());
  for (std::size_t i = 0; i < e["inputs"].size(); ++i) {
    EXPECT_EQ(card["inputs"][i]["axes"], e["inputs"][i]["axes"]);
    EXPECT_EQ(card["inputs"][i]["data_type"], e["inputs"][i]["data_type"]);
    EXPECT_EQ(card["inputs"][i]["preprocessing"], e["inputs"][i]["preprocessing"]);
    ASSERT_EQ(card["inputs"][i]["shape"].size(), e["inputs"][i]["axis_details"].size());
    for (std::size_t k = 0; k < e["inputs"][i]["axis_details"].size(); ++k)
      EXPECT_EQ(card["inputs"][i]["shape"][k], e["inputs"][i]["axis_details"][k]["size"]);
  }
  ASSERT_EQ(card["weights"].size(), e["weights"].size());
  bool runnable = false;
  for (std::size_t k = 0; k < e["weights"].size(); ++k) {
    EXPECT_EQ(card["weights"][k], e["weights"][k]["format"]);
    runnable = runnable || e["weights"][k]["runs_here"].get<bool>();
  }
  EXPECT_EQ(card["runnable"], runnable);
  EXPECT_EQ(card["has_example"], true);
  // The README the rdf names, as text.
  EXPECT_EQ(card["documentation"], file_bytes(realdata() / "unet2d_nuclei_broad" / "README.md"));
  const CliResult arch = run_cli({"info", "--architecture", (models_ / "unet2d_nuclei_broad").string()});
  ASSERT_EQ(arch.exit_code, 0) << arch.err;
  EXPECT_EQ(card["architecture"], arch.out);
  // The rdf names cover0.png, which realdata did not copy: no cover, in the card or the route.
  EXPECT_TRUE(card["cover"].is_null());
  const auto cover = client_->Get("/api/models/unet2d_nuclei_broad/cover");
  ASSERT_TRUE(cover);
  EXPECT_EQ(cover->status, 404);
}

TEST_F(ServeApi, UnknownModelsAndRoutesAreJson404s) {
  for (const char* path : {"/api/models/nope", "/api/models/nope/cover", "/api/runs/abc123", "/api/runs/abc123/events",
                           "/api/nothing", "/api/runs/abc123/outputs/output0.tif"}) {
    const auto r = client_->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_EQ(line_count(error_of(r)), 0) << path;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json") << path;
  }
  const auto del = client_->Delete("/api/runs/abc123");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 404);
}

TEST_F(ServeApi, OpsAreTheCliOps) {
  const auto r = client_->Get("/api/ops");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const json ops = json::parse(r->body);
  const CliResult cli = run_cli({"ops", "--json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const json expected = json::parse(cli.out);
  ASSERT_EQ(ops.size(), expected.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(ops[i]["id"], expected[i]["id"]);
    EXPECT_EQ(ops[i]["description"], expected[i]["summary"]);
    EXPECT_EQ(ops[i]["kwargs"], expected[i]["params"]);
  }
}

// A run through the API equals `deepimage run` on the same image, pixel for pixel; the viewer's planes
// are the files' pixels.
TEST_F(ServeApi, RunEqualsTheCliRun) {
  const std::string id = start_run({{"model", "unet2d_nuclei_broad", "", ""}, image_part(kSmallImage)});
  ASSERT_FALSE(id.empty());
  EXPECT_NE(id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789"), 0u);
  const json s = wait_finished(id);
  ASSERT_EQ(s["state"], "done") << s.dump();
  EXPECT_EQ(s["model"], "unet2d_nuclei_broad");
  EXPECT_EQ(s["progress"]["tiles_done"], s["progress"]["tiles_total"]);
  EXPECT_EQ(s["progress"]["fraction"], 1.0);
  ASSERT_EQ(s["outputs"].size(), 1u);
  EXPECT_EQ(s["outputs"][0]["name"], "output0.tif");
  const auto out = client_->Get(s["outputs"][0]["url"].get<std::string>());
  ASSERT_TRUE(out);
  ASSERT_EQ(out->status, 200);
  EXPECT_EQ(out->get_header_value("Content-Type"), "image/tiff");
  EXPECT_EQ(out->get_header_value("Content-Disposition"), "attachment; filename=\"output0.tif\"");
  const fs::path served = tmp_ / "served.tif", expected = tmp_ / "cli.tif";
  std::ofstream(served, std::ios::binary) << out->body;
  const CliResult cli = run_cli({"run", (models_ / "unet2d_nuclei_broad").string(), kSmallImage.string(), "-o", expected.string()});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const io::Image a = io::read_image(served), b = io::read_image(expected);
  EXPECT_EQ(a.pixels.axes(), b.pixels.axes());
  EXPECT_EQ(a.pixels.shape(), b.pixels.shape());
  EXPECT_EQ(a.pixels.dtype(), b.pixels.dtype());
  EXPECT_EQ(max_abs_diff(a.pixels, b.pixels), 0.0);
  EXPECT_EQ(s["outputs"][0]["shape"], json(b.pixels.shape()));
  EXPECT_EQ(s["outputs"][0]["axes"], b.pixels.axes());

  // The viewer's output plane is the file's, as float32 little-endian.
  const auto plane = client_->Get("/api/runs/" + id + "/slices/output0");
  ASSERT_TRUE(plane);
  ASSERT_EQ(plane->status, 200) << plane->body;
  const json p = json::parse(plane->body);
  ASSERT_EQ(p["width"], b.pixels.size('x'));
  ASSERT_EQ(p["height"], b.pixels.size('y'));
  const std::string encoded = p["data"].get<std::string>();
  std::string bytes;
  {
    static const std::string digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : encoded) {
      if (c == '=') break;
      acc = (acc << 6) | static_cast<std::uint32_t>(digits.find(c));
      bits += 6;
      if (bits >= 8) bits -= 8, bytes += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  const Tensor f = b.pixels.converted(DType::f32);
  ASSERT_EQ(bytes.size(), static_cast<std::size_t>(f.element_count()) * 4);
  EXPECT_EQ(std::memcmp(bytes.data(), f.bytes(), bytes.size()), 0);
  const float* v = f.data<float>();
  EXPECT_EQ(p["min"].get<float>(), *std::min_element(v, v + f.element_count()));
  EXPECT_EQ(p["max"].get<float>(), *std::max_element(v, v + f.element_count()));
  // The input, as uploaded (a TIFF is kept as it came).
  const auto input = client_->Get("/api/runs/" + id + "/input");
  ASSERT_TRUE(input);
  EXPECT_EQ(input->status, 200);
  EXPECT_EQ(input->body, file_bytes(kSmallImage));
  const auto bad_plane = client_->Get("/api/runs/" + id + "/slices/output0?z=3");
  ASSERT_TRUE(bad_plane);
  EXPECT_EQ(bad_plane->status, 400);
  EXPECT_NE(error_of(bad_plane).find("\"z\""), std::string::npos) << error_of(bad_plane);
}

// objects=1 is `run --objects`: the same label image (served as labels.tif, shown by the viewer's
// slices route) and the same table (objects.csv), and the status says what was found.
TEST_F(ServeApi, ObjectsAreTheCliRunsObjects) {
  const std::string id = start_run({{"model", "unet2d_nuclei_broad", "", ""}, {"objects", "1", "", ""}, {"split", "1", "", ""},
                                    {"min_size", "10", "", ""}, image_part(kSmallImage)});
  ASSERT_FALSE(id.empty());
  const json s = wait_finished(id);
  ASSERT_EQ(s["state"], "done") << s.dump();
  ASSERT_EQ(s["outputs"].size(), 2u);
  EXPECT_EQ(s["outputs"][1]["name"], "labels.tif");
  const fs::path expected = tmp_ / "cli.tif";
  const CliResult cli = run_cli({"run", (models_ / "unet2d_nuclei_broad").string(), kSmallImage.string(), "-o", expected.string(), "--objects",
                                 "--split", "--min-size", "10", "--json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const json report = json::parse(cli.out)["objects"];
  ASSERT_TRUE(s["objects"].is_object()) << s.dump();
  EXPECT_EQ(s["objects"]["count"], report["object_count"]);
  EXPECT_GT(s["objects"]["count"].get<int>(), 5);
  EXPECT_EQ(s["objects"]["threshold"], 0.5);
  EXPECT_EQ(s["objects"]["star_convex"], false);
  const auto labels = client_->Get(s["objects"]["labels"].get<std::string>());
  ASSERT_TRUE(labels);
  ASSERT_EQ(labels->status, 200);
  EXPECT_EQ(labels->body, file_bytes(tmp_ / "cli_labels.tif"));
  const auto table = client_->Get(s["objects"]["table"].get<std::string>());
  ASSERT_TRUE(table);
  ASSERT_EQ(table->status, 200);
  EXPECT_EQ(table->get_header_value("Content-Type"), "text/csv");
  EXPECT_EQ(table->body, file_bytes(tmp_ / "cli_objects.csv"));
  const auto plane = client_->Get("/api/runs/" + id + "/slices/labels");
  ASSERT_TRUE(plane);
  EXPECT_EQ(plane->status, 200) << plane->body;
  EXPECT_EQ(json::parse(plane->body)["max"].get<double>(), s["objects"]["count"].get<double>()) << "labels 1..count in one plane";
  // A run without objects has no table.
  const std::string plain = start_run({{"model", "unet2d_nuclei_broad", "", ""}, image_part(kSmallImage)});
  const json p = wait_finished(plain);
  EXPECT_TRUE(p["objects"].is_null());
  const auto none = client_->Get("/api/runs/" + plain + "/objects.csv");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);
}

// The model's own example (example=1) is what `deepimage example` gives, and its input what
// `--save-input` saves.
TEST_F(ServeApi, ExampleRunIsTheCliExample) {
  const std::string id = start_run({{"model", "unet2d_nuclei_broad", "", ""}, {"example", "1", "", ""}});
  const json s = wait_finished(id);
  ASSERT_EQ(s["state"], "done") << s.dump();
  const fs::path served = tmp_ / "example.tif", served_input = tmp_ / "example_input.tif";
  const auto out = client_->Get(s["outputs"][0]["url"].get<std::string>());
  ASSERT_TRUE(out && out->status == 200);
  std::ofstream(served, std::ios::binary) << out->body;
  ASSERT_FALSE(s["input"].is_null());
  const auto in = client_->Get(s["input"]["url"].get<std::string>());
  ASSERT_TRUE(in && in->status == 200);
  std::ofstream(served_input, std::ios::binary) << in->body;
  const fs::path expected = tmp_ / "cli_example.tif", expected_input = tmp_ / "cli_example_input.tif";
  const CliResult cli = run_cli({"example", (models_ / "unet2d_nuclei_broad").string(), "-o", expected.string(), "--save-input",
                                 expected_input.string()});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const io::Image a = io::read_image(served), b = io::read_image(expected);
  EXPECT_EQ(a.pixels.shape(), b.pixels.shape());
  EXPECT_EQ(max_abs_diff(a.pixels, b.pixels), 0.0);
  const io::Image ai = io::read_image(served_input), bi = io::read_image(expected_input);
  EXPECT_EQ(ai.pixels.shape(), bi.pixels.shape());
  EXPECT_EQ(max_abs_diff(ai.pixels, bi.pixels), 0.0);
}

// Events come in order, one per tile, up to tiles_total, then one `end` with the status.
TEST_F(ServeApi, EventsArriveInOrderAndEndWithTheStatus) {
  const std::string id = start_run({{"model", "unet2d_nuclei_broad", "", ""}, {"channels", "0", "", ""}, image_part(kLargeImage)});
  ASSERT_FALSE(id.empty());
  std::string stream;
  httplib::Client events("127.0.0.1", server_->port());
  events.set_read_timeout(240, 0);
  const auto r = events.Get("/api/runs/" + id + "/events", [&](const char* data, std::size_t n) {
    stream.append(data, n);
    return true;
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
  std::vector<json> progress;
  json end;
  std::size_t pos = 0;
  while ((pos = stream.find("event: ", pos)) != std::string::npos) {
    const std::size_t eol = stream.find('\n', pos);
    const std::string name = stream.substr(pos + 7, eol - pos - 7);
    const std::size_t data_end = stream.find("\n\n", eol);
    const json data = json::parse(stream.substr(eol + 7, data_end - eol - 7));  // "\ndata: "
    if (name == "progress") progress.push_back(data);
    else if (name == "end") end = data;
    pos = data_end;
  }
  ASSERT_FALSE(progress.empty());
  for (std::size_t i = 1; i < progress.size(); ++i) {
    EXPECT_GE(progress[i]["tiles_done"], progress[i - 1]["tiles_done"]);
    EXPECT_GE(progress[i]["elapsed_s"], progress[i - 1]["elapsed_s"]);
  }
  const json& last = progress.back();
  EXPECT_EQ(last["tiles_total"], 16);  // ceil(1484 / 448) * ceil(1380 / 448): 512 tiles, halo 32
  EXPECT_EQ(last["tiles_done"], last["tiles_total"]);
  EXPECT_GT(last["peak_memory_bytes"].get<std::uint64_t>(), 0u);
  EXPECT_GE(progress.size(), 3u);  // tiles between the start and the end (a slow reader may get only the latest)
  EXPECT_EQ(end["state"], "done");
  EXPECT_EQ(end["id"], id);
  EXPECT_EQ(end["outputs"].size(), 1u);
}

// A client that leaves the event stream does not stop the run.
TEST_F(ServeApi, LeavingTheEventStreamLeavesTheRunRunning) {
  const std::string id = start_run({{"model", "unet2d_nuclei_broad", "", ""}, image_part(stack_)});
  httplib::Client events("127.0.0.1", server_->port());
  std::string first;
  events.Get("/api/runs/" + id + "/events", [&](const char* data, std::size_t n) {
    first.append(data, n);
    return first.find("\n\n") == std::string::npos;  // one event, then hang up
  });
  EXPECT_EQ(first.rfind("event: progress", 0), 0u) << first;
  const json s = wait_finished(id);
  EXPECT_EQ(s["state"], "done");
  EXPECT_EQ(s["progress"]["tiles_done"], 4 * kStackSlices);
}

// A .npy upload runs as `deepimage run` runs it, and is shown (GET .../input) as a TIFF of its pixels;
// runs are listed newest first.
TEST_F(ServeApi, NpyUploadsAreShownAsTiff) {
  const fs::path npy = realdata() / "unet2d_nuclei_broad" / "test_input.npy";
  const std::string first = start_run({{"model", "unet2d_nuclei_broad", "", ""}, image_part(kSmallImage)});
  const std::string id = start_run({{"model", "unet2d_nuclei_broad", "", ""}, image_part(npy)});
  const json s = wait_finished(id);
  ASSERT_EQ(s["state"], "done") << s.dump();
  const auto input = client_->Get("/api/runs/" + id + "/input");
  ASSERT_TRUE(input && input->status == 200);
  const fs::path served = tmp_ / "input.tif";
  std::ofstream(served, std::ios::binary) << input->body;
  const io::Image shown = io::read_image(served);
  const Tensor original = io::read_npy(npy);
  EXPECT_EQ(shown.pixels.element_count(), original.element_count());
  EXPECT_EQ(max_abs_diff(shown.pixels, original), 0.0);
  const fs::path out = tmp_ / "npy_out.tif";
  std::ofstream(out, std::ios::binary) << client_->Get(s["outputs"][0]["url"].get<std::string>())->body;
  const fs::path expected = tmp_ / "npy_cli.tif";
  const CliResult cli = run_cli({"run", (models_ / "unet2d_nuclei_broad").string(), npy.string(), "-o", expected.string()});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(max_abs_diff(io::read_image(out).pixels, io::read_image(expected).pixels), 0.0);
  const json list = json::parse(client_->Get("/api/runs")->body);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["id"], id);
  EXPECT_EQ(list[1]["id"], first);
}

// DELETE stops a running run before its next tile and leaves none of its files.
TEST_F(ServeApi, DeleteMidRunCancelsAndLeavesNoFiles) {
  const std::string id = start_run({{"model", "unet2d_nuclei_broad", "", ""}, image_part(stack_)});
  ASSERT_FALSE(id.empty());
  wait_until(id, [](const json& s) { return s["progress"]["tiles_done"].get<int>() >= 1 || (s["state"] != "running" && s["state"] != "queued"); });
  EXPECT_FALSE(run_files().empty());  // the upload, while it runs
  const auto r = client_->Delete("/api/runs/" + id);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json s = json::parse(r->body);
  EXPECT_EQ(s["state"], "cancelled");
  EXPECT_LT(s["progress"]["tiles_done"].get<int>(), 4 * kStackSlices);
  EXPECT_TRUE(run_files().empty());
  ASSERT_EQ(server_folders().size(), 1u);
  EXPECT_FALSE(fs::exists(server_folders()[0] / id));
  const auto out = client_->Get("/api/runs/" + id + "/outputs/output0.tif");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 404);
  // A queued run is dropped the same way: two runs, the second waits behind the first.
  const std::string first = start_run({{"model", "unet2d_nuclei_broad", "", ""}, image_part(stack_)});
  const std::string second = start_run({{"model", "unet2d_nuclei_broad", "", ""}, image_part(kSmallImage)});
  const json queued = status(second);
  EXPECT_EQ(queued["state"], "queued");
  EXPECT_EQ(queued["position"], 1);
  const auto del = client_->Delete("/api/runs/" + second);
  ASSERT_TRUE(del && del->status == 200);
  EXPECT_EQ(json::parse(del->body)["state"], "cancelled");
  EXPECT_FALSE(fs::exists(server_folders()[0] / second));
  client_->Delete("/api/runs/" + first);
  EXPECT_TRUE(run_files().empty());
}

// 20 clients asking for a run's status at once while it runs: every one is answered.
TEST_F(ServeApi, TwentyConcurrentStatusRequestsWhileARunRuns) {
  const std::string id = start_run({{"model", "unet2d_nuclei_broad", "", ""}, image_part(stack_)});
  wait_until(id, [](const json& s) { return s["state"] != "queued"; });
  std::atomic<int> ok = 0, running = 0;
  std::vector<std::thread> clients;
  for (int i = 0; i < 20; ++i)
    clients.emplace_back([&] {
      httplib::Client c("127.0.0.1", server_->port());
      c.set_read_timeout(60, 0);
      const auto r = c.Get("/api/runs/" + id);
      if (r && r->status == 200) {
        ++ok;
        if (json::parse(r->body)["state"] == "running") ++running;
      }
    });
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok, 20);
  EXPECT_GT(running, 0);  // asked while it ran
  client_->Delete("/api/runs/" + id);
}

TEST_F(ServeApi, UploadOverTheLimitIs413AndLeavesNothing) {
  const std::string big(17 << 20, 'x');  // --max-upload 16M
  const auto r = post_run({{"model", "unet2d_nuclei_broad", "", ""}, {"image", big, "big.tif", "image/tiff"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(line_count(error_of(r)), 0);
  EXPECT_NE(error_of(r).find("limit"), std::string::npos) << error_of(r);
  EXPECT_TRUE(run_files().empty());
  const auto list = client_->Get("/api/runs");
  ASSERT_TRUE(list && list->status == 200);
  EXPECT_EQ(json::parse(list->body).size(), 0u);
}

TEST_F(ServeApi, BadFieldsAre400sNamingTheField) {
  struct Case {
    httplib::MultipartFormDataItems items;
    int status;
    std::string named;
  };
  const httplib::MultipartFormData model = {"model", "unet2d_nuclei_broad", "", ""};
  const std::vector<Case> cases = {
      {{{"model", "no_such_model", "", ""}, image_part(kSmallImage)}, 400, "\"model\""},
      {{image_part(kSmallImage)}, 400, "\"model\""},
      {{model}, 400, "\"image\""},
      {{model, image_part(kSmallImage, "cells.exe")}, 400, "\"image\""},
      {{model, {"tile", "y=abc", "", ""}, image_part(kSmallImage)}, 400, "\"tile\""},
      {{model, {"tile", "y=0", "", ""}, image_part(kSmallImage)}, 400, "\"tile\""},
      {{model, {"halo", "q=3", "", ""}, image_part(kSmallImage)}, 400, "\"halo\""},
      {{model, {"pad", "mirror", "", ""}, image_part(kSmallImage)}, 400, "\"pad\""},
      {{model, {"channels", "-1", "", ""}, image_part(kSmallImage)}, 400, "\"channels\""},
      {{model, {"axes", "yy", "", ""}, image_part(kSmallImage)}, 400, "\"axes\""},
      {{model, {"colour", "red", "", ""}, image_part(kSmallImage)}, 400, "\"colour\""},
      {{model, {"example", "1", "", ""}, image_part(kSmallImage)}, 400, "\"example\""},
      {{model, {"objects", "1", "", ""}, {"threshold", "half", "", ""}, image_part(kSmallImage)}, 400, "\"threshold\""},
      {{model, {"objects", "1", "", ""}, {"min_size", "-3", "", ""}, image_part(kSmallImage)}, 400, "\"min_size\""},
      {{model, {"split", "1", "", ""}, image_part(kSmallImage)}, 400, "\"split\" shapes objects: add objects=1"},
  };
  for (const Case& c : cases) {
    const auto r = post_run(c.items);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, c.status) << r->body;
    const std::string error = error_of(r);
    EXPECT_NE(error.find(c.named), std::string::npos) << error;
    EXPECT_EQ(line_count(error), 0) << error;
  }
  EXPECT_TRUE(run_files().empty());
  // A tile size the model does not take fails the run, with the library's message, and no files.
  const std::string id = start_run({model, {"tile", "y=100,x=100", "", ""}, image_part(kSmallImage)});
  const json s = wait_finished(id);
  EXPECT_EQ(s["state"], "failed");
  EXPECT_NE(s["error"].get<std::string>().find("100"), std::string::npos) << s.dump();
  EXPECT_TRUE(run_files().empty());
  const auto not_multipart = client_->Post("/api/runs", "{}", "application/json");
  ASSERT_TRUE(not_multipart);
  EXPECT_EQ(not_multipart->status, 400);
}

// No route reaches a file outside the server's own: ids are checked against its lists, ".." never
// resolves, and a client's file name names nothing.
TEST_F(ServeApi, PathTraversalReachesNothing) {
  const fs::path secret = tmp_ / "secret.txt";
  std::ofstream(secret) << "top secret";
  const std::string id = start_run({{"model", "unet2d_nuclei_broad", "", ""}, image_part(kSmallImage, "../../../evil.tif")});
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(wait_finished(id)["state"], "done");
  const std::vector<std::string> paths = {
      "/api/runs/../../etc/passwd",
      "/api/runs/%2e%2e/%2e%2e/etc/passwd",
      "/api/runs/" + id + "/outputs/../../../secret.txt",
      "/api/runs/" + id + "/outputs/..%2f..%2f..%2fsecret.txt",
      "/api/runs/" + id + "/outputs/%2e%2e%2fsecret.txt",
      "/api/runs/" + id + "/outputs/input.tif",
      "/api/runs/" + id + "/slices/..%2finput",
      "/api/models/..%2f..%2fsecret.txt",
      "/api/models/%2e%2e/cover",
      "/../../etc/passwd",
      "/%2e%2e/%2e%2e/etc/passwd",
      "/assets/..%2f..%2fsecret.txt",
      "/..%2fsecret.txt",
      "/.%2e/secret.txt",
  };
  for (const std::string& path : paths) {
    const auto r = client_->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_TRUE(r->status == 404 || r->status == 400 || (r->status == 200 && r->body == file_bytes(web_ / "index.html")))
        << path << " -> " << r->status << " " << r->body.substr(0, 100);
    EXPECT_EQ(r->body.find("top secret"), std::string::npos) << path;
    EXPECT_EQ(r->body.find("root:"), std::string::npos) << path;
  }
  // The upload named "../../../evil.tif" went nowhere but the run's folder, as input.tif.
  for (const auto& e : fs::recursive_directory_iterator(tmp_.path()))
    EXPECT_NE(e.path().filename(), "evil.tif") << e.path();
}

TEST_F(ServeApi, PagesComeFromTheFrontEndFolder) {
  const std::string index = file_bytes(web_ / "index.html");
  for (const char* page : {"/", "/models/unet2d_nuclei_broad", "/run", "/runs/abc", "/install", "/build"}) {
    const auto r = client_->Get(page);
    ASSERT_TRUE(r) << page;
    EXPECT_EQ(r->status, 200) << page;
    EXPECT_EQ(r->body, index) << page;
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8") << page;
  }
  const auto js = client_->Get("/assets/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "application/javascript");
  EXPECT_EQ(js->body, file_bytes(web_ / "assets" / "app.js"));
  const auto missing = client_->Get("/assets/missing.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(ServeApi, WithoutAFrontEndPagesSaySoAndTheApiWorks) {
  fs::remove_all(web_);
  start();
  const auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("not built"), std::string::npos);
  const auto models = client_->Get("/api/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 200);
}

// Another site's page cannot start runs (Origin), nor reach the server under its own name (Host).
TEST_F(ServeApi, CrossSiteRequestsAreRefused) {
  httplib::Headers other_origin = {{"Origin", "http://evil.example"}};
  const auto r = client_->Post("/api/runs", other_origin, httplib::MultipartFormDataItems{{"model", "unet2d_nuclei_broad", "", ""}, image_part(kSmallImage)});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  httplib::Headers rebound = {{"Host", "evil.example:" + std::to_string(server_->port())}};
  const auto g = client_->Get("/api/models", rebound);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->status, 403);
  httplib::Headers same = {{"Origin", "http://127.0.0.1:" + std::to_string(server_->port())}};
  const auto ok = client_->Post("/api/runs", same, httplib::MultipartFormDataItems{{"model", "unet2d_nuclei_broad", "", ""}, image_part(kSmallImage)});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 202) << ok->body;
}

// A pull from a local .zip installs the bundle into the models folder, as `deepimage pull` does.
TEST_F(ServeApi, PullInstallsAZipIntoTheModelsFolder) {
  const fs::path zip = tmp_ / "nuclei.zip";
  make_zip(zip, entries_of(realdata() / "unet2d_nuclei_broad"));
  const auto r = client_->Post("/api/models/pull", json{{"source", zip.string()}}.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  const std::string id = json::parse(r->body)["id"];
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(fs::is_directory(models_ / id));
  for (const auto& e : fs::directory_iterator(realdata() / "unet2d_nuclei_broad"))
    EXPECT_EQ(file_bytes(models_ / id / e.path().filename()), file_bytes(e.path())) << e.path();
  const json models = json::parse(client_->Get("/api/models")->body);
  EXPECT_TRUE(std::any_of(models.begin(), models.end(), [&](const json& m) { return m["id"] == id; }));
  const auto missing = client_->Post("/api/models/pull", "{}", "application/json");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  EXPECT_NE(error_of(missing).find("\"source\""), std::string::npos) << error_of(missing);
  const auto absent = client_->Post("/api/models/pull", json{{"source", (tmp_ / "absent.zip").string()}}.dump(), "application/json");
  ASSERT_TRUE(absent);
  EXPECT_EQ(absent->status, 404);
  EXPECT_NE(error_of(absent).find("absent.zip"), std::string::npos) << error_of(absent);
  std::ofstream(tmp_ / "broken.zip") << "not a zip";
  const auto broken = client_->Post("/api/models/pull", json{{"source", (tmp_ / "broken.zip").string()}}.dump(), "application/json");
  ASSERT_TRUE(broken);
  EXPECT_GE(broken->status, 400);
  EXPECT_NE(error_of(broken).find("broken.zip"), std::string::npos) << error_of(broken);
}

// The build form packages the real nuclei U-Net's ONNX weights as its rdf describes them; the bundle
// lands in the models folder and its test output reproduces the shipped one.
TEST_F(ServeApi, BuildPackagesAModelIntoTheModelsFolder) {
  const fs::path nuclei = realdata() / "unet2d_nuclei_broad";
  json spec = {{"name", "Nuclei rebuilt"},
               {"description", "The bioimage.io nuclei U-Net, packaged again through the web app."},
               {"authors", json::array({{{"name", "Constantin Pape"}, {"affiliation", "EMBL Heidelberg"}}})},
               {"license", "MIT"},
               {"cite", json::array({{{"text", "Ronneberger et al. U-net. MICCAI 2015"}, {"doi", "10.1007/978-3-319-24574-4_28"}}})},
               {"input", {{"id", "raw"}, {"axes", "bcyx"}, {"size", {{"y", "512"}, {"x", "512"}}},
                          {"preprocessing", json::array({{{"id", "zero_mean_unit_variance"}, {"kwargs", {{"axes", {"y", "x"}}}}}})}}},
               {"output", {{"id", "probability"}, {"axes", "bcyx"}, {"halo", {{"y", 32}, {"x", 32}}},
                           {"postprocessing", json::array({{{"id", "sigmoid"}}})}}}};
  const httplib::MultipartFormData weights = {"weights", file_bytes(nuclei / "weights.onnx"), "weights.onnx", "application/octet-stream"};
  const httplib::MultipartFormData example = {"example", file_bytes(nuclei / "test_input.npy"), "test_input.npy", "application/octet-stream"};
  const auto r = client_->Post("/api/build", httplib::MultipartFormDataItems{weights, example, {"spec", spec.dump(), "", ""}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  const json answer = json::parse(r->body);
  EXPECT_EQ(answer["id"], "nuclei_rebuilt");
  EXPECT_EQ(answer["report"]["test"]["passed"], true);
  EXPECT_LE(max_abs_diff(io::read_npy(models_ / "nuclei_rebuilt" / "test_output.npy"), io::read_npy(nuclei / "test_output.npy")),
            kRebuiltVsShippedMaxAbs);
  const auto card = client_->Get("/api/models/nuclei_rebuilt");
  ASSERT_TRUE(card && card->status == 200);
  EXPECT_EQ(json::parse(card->body)["name"], "Nuclei rebuilt");
  // build writes a cover.png: the gallery and the card point at it, and the route serves its bytes.
  EXPECT_EQ(json::parse(card->body)["cover"], "/api/models/nuclei_rebuilt/cover");
  const json gallery = json::parse(client_->Get("/api/models")->body);
  const auto entry = std::find_if(gallery.begin(), gallery.end(), [](const json& m) { return m["id"] == "nuclei_rebuilt"; });
  ASSERT_NE(entry, gallery.end());
  EXPECT_EQ((*entry)["cover"], "/api/models/nuclei_rebuilt/cover");
  const auto cover = client_->Get("/api/models/nuclei_rebuilt/cover");
  ASSERT_TRUE(cover && cover->status == 200);
  EXPECT_EQ(cover->get_header_value("Content-Type"), "image/png");
  EXPECT_EQ(cover->body, file_bytes(models_ / "nuclei_rebuilt" / "cover.png"));
  // The same name again, a key the server sets, a missing file, a bad size rule: each named.
  const auto again = client_->Post("/api/build", httplib::MultipartFormDataItems{weights, example, {"spec", spec.dump(), "", ""}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 400);
  EXPECT_NE(error_of(again).find("nuclei_rebuilt"), std::string::npos) << error_of(again);
  json with_path = spec;
  with_path["name"] = "Other";
  with_path["bundle"] = "/tmp/elsewhere";
  const auto set = client_->Post("/api/build", httplib::MultipartFormDataItems{weights, example, {"spec", with_path.dump(), "", ""}});
  ASSERT_TRUE(set);
  EXPECT_EQ(set->status, 400);
  EXPECT_NE(error_of(set).find("\"bundle\""), std::string::npos) << error_of(set);
  json other = spec;
  other["name"] = "Other";
  const auto no_example = client_->Post("/api/build", httplib::MultipartFormDataItems{weights, {"spec", other.dump(), "", ""}});
  ASSERT_TRUE(no_example);
  EXPECT_EQ(no_example->status, 400);
  EXPECT_NE(error_of(no_example).find("\"example\""), std::string::npos) << error_of(no_example);
  other["input"]["size"]["y"] = "5/0/1";
  const auto bad_size = client_->Post("/api/build", httplib::MultipartFormDataItems{weights, example, {"spec", other.dump(), "", ""}});
  ASSERT_TRUE(bad_size);
  EXPECT_EQ(bad_size->status, 400);
  EXPECT_NE(error_of(bad_size).find("input.size.y"), std::string::npos) << error_of(bad_size);
  // Weights that are no network: the error names the file as the user uploaded it, never where the
  // server staged it.
  const httplib::MultipartFormData garbage = {"weights", std::string(4096, 'x'), "my_unet.onnx", "application/octet-stream"};
  other["input"]["size"]["y"] = "512";
  const auto bad_weights = client_->Post("/api/build", httplib::MultipartFormDataItems{garbage, example, {"spec", other.dump(), "", ""}});
  ASSERT_TRUE(bad_weights);
  EXPECT_GE(bad_weights->status, 400);
  EXPECT_NE(error_of(bad_weights).find("my_unet.onnx"), std::string::npos) << error_of(bad_weights);
  EXPECT_EQ(error_of(bad_weights).find("deepimage-serve"), std::string::npos) << error_of(bad_weights);
  EXPECT_EQ(error_of(bad_weights).find("weights.onnx"), std::string::npos) << error_of(bad_weights);
  EXPECT_FALSE(fs::exists(models_ / "other"));
  EXPECT_TRUE(run_files().empty());  // the uploads' staging folders are gone
}

// A server left open keeps only the last --keep-runs finished runs: when a second run finishes with
// --keep-runs 1, the first is forgotten (404) and its files are gone; the second stays downloadable.
TEST_F(ServeApi, OnlyTheLastKeepRunsFinishedRunsAreKept) {
  server_.reset();
  start({"--keep-runs", "1"});
  const std::string first = start_run({{"model", "unet2d_nuclei_broad", "", ""}, image_part(kNuclei)});
  EXPECT_EQ(wait_finished(first)["state"], "done");
  const std::size_t files_of_one = run_files().size();
  EXPECT_GT(files_of_one, 0u);
  const std::string second = start_run({{"model", "unet2d_nuclei_broad", "", ""}, image_part(kNuclei)});
  EXPECT_EQ(wait_finished(second)["state"], "done");
  const auto gone = client_->Get("/api/runs/" + first);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
  const auto kept = client_->Get("/api/runs/" + second + "/outputs/output0.tif");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->status, 200);
  EXPECT_EQ(run_files().size(), files_of_one);  // the second run's files only
  for (const fs::path& f : run_files()) EXPECT_EQ(f.string().find(first), std::string::npos) << f;
}

// Ctrl-C stops the server: runs cancelled, its folder removed, exit code 0.
TEST_F(ServeApi, SigintStopsCleanlyLeavingNoFolders) {
  const std::string id = start_run({{"model", "unet2d_nuclei_broad", "", ""}, image_part(stack_)});
  wait_until(id, [](const json& s) { return s["state"] != "queued"; });
  // An event stream open while it stops must not keep it alive.
  std::thread watcher([port = server_->port(), id] {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60, 0);
    c.Get("/api/runs/" + id + "/events", [](const char*, std::size_t) { return true; });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(server_folders().size(), 1u);
  server_->interrupt();
  EXPECT_EQ(server_->wait(), 0);
  watcher.join();
  EXPECT_TRUE(server_folders().empty());
}

}  // namespace
}  // namespace deepimage::testing
