#include "serve/model_install.hpp"

#include <algorithm>
#include <fstream>
#include <map>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "deepimage/build.hpp"
#include "deepimage/error.hpp"
#include "deepimage/pull.hpp"
#include "serve/http_error.hpp"
#include "serve/model_catalog.hpp"
#include "serve/multipart_upload.hpp"
#include "serve/run_request.hpp"
#include "serve/run_store.hpp"

namespace deepimage::server {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string lower_extension(const std::string& name) {
  std::string ext = fs::path(name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

// "My U-Net (v2)" -> "my_u-net__v2_": a folder name made of letters, digits, - and _ only.
std::string folder_name(const std::string& model_name) {
  std::string s;
  for (unsigned char c : model_name) s += std::isalnum(c) || c == '-' || c == '_' ? static_cast<char>(std::tolower(c)) : '_';
  return s.substr(0, 100);
}

void pull(ModelCatalog& catalog, const std::atomic<bool>* stop, const httplib::Request& req, httplib::Response& res) {
  json body;
  try {
    body = json::parse(req.body);
  } catch (const json::exception&) {
    throw Error(ErrorCode::invalid_argument, "the body is not JSON: expected {\"source\": URL, bioimage.io id or .zip path}");
  }
  if (!body.is_object() || !body.contains("source") || !body["source"].is_string() || body["source"].get<std::string>().empty())
    throw Error(ErrorCode::invalid_argument, "field \"source\" is missing: give a URL, a bioimage.io id or a .zip path");
  PullOptions o;
  o.source = body["source"].get<std::string>();
  // A path that is not there would be taken for a bioimage.io id and looked up on the network.
  const bool url = o.source.rfind("http://", 0) == 0 || o.source.rfind("https://", 0) == 0;
  const bool path_like = o.source.find('/') != std::string::npos || lower_extension(o.source) == ".zip";
  if (!url && path_like && !fs::is_regular_file(o.source))
    throw Error(ErrorCode::not_found, "field \"source\": \"" + o.source + "\" is not a .zip file on the server's machine (nor a URL)");
  o.dir = catalog.folder();
  o.cancel = stop;
  PullReport report;
  try {
    report = pull_model(o);
  } catch (const Error& e) {
    // A download that failed is the far side's trouble, not the server's: 502, as a gateway says.
    if (e.code() == ErrorCode::io && url) return send_error(res, 502, e.what());
    throw;
  }
  res.status = 202;
  res.set_content(json{{"id", fs::path(report.model_path).filename().string()}, {"report", to_json(report)}}.dump(), "application/json");
}

void build(ModelCatalog& catalog, const RunStore& store, std::uint64_t max_upload, const httplib::Request& req, httplib::Response& res,
           const httplib::ContentReader& reader) {
  const std::string staging_id = make_run_id();
  const fs::path staging = store.create(staging_id);
  struct Remove {
    const RunStore& store;
    std::string id;
    ~Remove() { store.remove(id); }
  } remove{store, staging_id};
  std::map<std::string, std::string> client_names;  // by field: what messages call the files
  const MultipartUpload up = read_multipart(req, reader, max_upload, [&](const std::string& field, const std::string& name) {
    client_names[field] = name;
    const std::string ext = lower_extension(name);
    if (field == "weights") {
      if (ext != ".pt" && ext != ".pth" && ext != ".onnx" && ext != ".h5" && ext != ".hdf5" && ext != ".zip")
        throw Error(ErrorCode::invalid_argument, "field \"weights\": \"" + name + "\" is not .pt, .onnx, .h5 or a SavedModel .zip");
      return staging / ("weights" + ext);
    }
    if (field == "example") return staging / ("example" + upload_extension(name));
    if (field == "documentation") {
      if (ext != ".md") throw Error(ErrorCode::invalid_argument, "field \"documentation\": \"" + name + "\" is not a Markdown .md file");
      return staging / "README.md";
    }
    throw Error(ErrorCode::invalid_argument, "field \"" + field + "\" is a file; only weights, example and documentation are");
  });
  if (!up.problem.empty()) return send_error(res, up.status, up.problem);
  for (const auto& [name, value] : up.fields)
    if (name != "spec") throw Error(ErrorCode::invalid_argument, "unknown field \"" + name + "\" (expected spec, weights, example, documentation)");
  json spec = json::object();
  if (up.fields.count("spec")) {
    try {
      spec = json::parse(up.fields.at("spec"));
    } catch (const json::exception&) {
      throw Error(ErrorCode::invalid_argument, "field \"spec\" is not JSON: expected an object with build.yaml's keys");
    }
    if (!spec.is_object()) throw Error(ErrorCode::invalid_argument, "field \"spec\" is not a JSON object with build.yaml's keys");
  }
  for (const char* key : {"weights", "example", "documentation", "bundle", "overwrite"})
    if (spec.contains(key))
      throw Error(ErrorCode::invalid_argument, std::string("field \"spec\": key \"") + key + "\" is set by the server (upload files instead)");
  if (!up.files.count("weights")) throw Error(ErrorCode::invalid_argument, "field \"weights\" is missing: upload the network's weights file");
  if (!up.files.count("example")) throw Error(ErrorCode::invalid_argument, "field \"example\" is missing: upload an example image");
  if (!spec.contains("name") || !spec["name"].is_string() || folder_name(spec["name"].get<std::string>()).empty())
    throw Error(ErrorCode::invalid_argument, "field \"spec\": key \"name\" is missing: the model needs a name");
  const std::string id = folder_name(spec["name"].get<std::string>());
  spec["weights"] = up.files.at("weights").filename().string();
  spec["example"] = up.files.at("example").filename().string();
  if (up.files.count("documentation")) spec["documentation"] = "README.md";
  // build.yaml is read as YAML, and JSON is YAML: the spec goes through the one reader of build files.
  const fs::path build_file = staging / "build.yaml";
  std::ofstream(build_file) << spec.dump(2);
  BuildReport report;
  try {
    BuildRequest r = read_build_file(build_file);
    r.output_path = catalog.folder() / id;
    if (fs::exists(r.output_path))
      throw Error(ErrorCode::invalid_argument, "field \"spec\": a model named \"" + id + "\" is in the models folder already; choose another name");
    report = build_model(r);
  } catch (const Error& e) {
    // The library names the files where the server staged them; the user knows them by their own names.
    std::string message = e.what();
    const auto replace_all = [&](const std::string& from, const std::string& to) {
      for (std::size_t at = message.find(from); at != std::string::npos; at = message.find(from, at + to.size()))
        message.replace(at, from.size(), to);
    };
    for (const auto& [field, path] : up.files)
      replace_all(path.string(), client_names.count(field) ? client_names.at(field) : field);
    replace_all(build_file.string(), "field \"spec\"");
    replace_all(staging.string() + "/", "");
    throw Error(e.code(), message);
  }
  res.status = 201;
  res.set_content(json{{"id", id}, {"report", to_json(report)}}.dump(), "application/json");
}

template <class F>
void answering_errors(httplib::Response& res, F f) {
  try {
    f();
  } catch (const Error& e) {
    send_error(res, e);
  } catch (const std::exception& e) {
    send_error(res, 500, e.what());
  }
}

}  // namespace

void add_install_routes(httplib::Server& server, ModelCatalog& catalog, const RunStore& store, std::uint64_t max_upload,
                        const std::atomic<bool>* stop) {
  server.Post("/api/models/pull", [&catalog, stop](const httplib::Request& req, httplib::Response& res) {
    answering_errors(res, [&] { pull(catalog, stop, req, res); });
  });
  server.Post("/api/build", [&catalog, &store, max_upload](const httplib::Request& req, httplib::Response& res,
                                                          const httplib::ContentReader& reader) {
    answering_errors(res, [&] { build(catalog, store, max_upload, req, res, reader); });
  });
}

}  // namespace deepimage::server
