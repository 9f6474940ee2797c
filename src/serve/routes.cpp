#include "serve/routes.hpp"

#include <charconv>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "deepimage/catalog.hpp"
#include "deepimage/error.hpp"
#include "serve/event_stream.hpp"
#include "serve/file_response.hpp"
#include "serve/front_end.hpp"
#include "serve/http_error.hpp"
#include "serve/image_plane.hpp"
#include "serve/model_catalog.hpp"
#include "serve/model_install.hpp"
#include "serve/multipart_upload.hpp"
#include "serve/run_queue.hpp"
#include "serve/run_request.hpp"
#include "serve/run_store.hpp"

namespace deepimage::server {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using httplib::Request;
using httplib::Response;

constexpr auto kCancelWait = std::chrono::seconds(60);

void send_json(Response& res, const json& body, int status = 200) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

// A handler whose deepimage::Error (or other exception) becomes the JSON error answer.
template <class F>
auto guarded(F f) {
  return [f](const Request& req, Response& res) {
    try {
      f(req, res);
    } catch (const Error& e) {
      send_error(res, e);
    } catch (const std::exception& e) {
      send_error(res, 500, e.what());
    }
  };
}

// The run's status, or a 404 naming the id.
RunStatus run_or_404(const RunQueue& queue, const std::string& id) {
  std::optional<RunStatus> s = queue.status(id);
  if (!s) throw Error(ErrorCode::not_found, "run \"" + id + "\" does not exist (GET /api/runs lists them)");
  return *s;
}

// Removes a run's folder unless the run was queued (a POST that failed half-way leaves nothing).
struct FolderUntilQueued {
  const RunStore& store;
  std::string id;
  bool queued = false;
  ~FolderUntilQueued() {
    if (!queued) store.remove(id);
  }
};

void post_run(ServerParts& p, const Request& req, Response& res, const httplib::ContentReader& reader) {
  const std::string id = make_run_id();
  const fs::path folder = p.store.create(id);
  FolderUntilQueued cleanup{p.store, id};
  const MultipartUpload up = read_multipart(req, reader, p.max_upload, [&](const std::string& field, const std::string& name) {
    if (field != "image") throw Error(ErrorCode::invalid_argument, "field \"" + field + "\" is a file; only \"image\" is");
    const std::string ext = upload_extension(name);
    return folder / (ext == ".tif" ? "input.tif" : "upload" + ext);
  });
  if (!up.problem.empty()) return send_error(res, up.status, up.problem);
  if (up.fields.count("image")) throw Error(ErrorCode::invalid_argument, "field \"image\" must be a file (a part with a file name)");
  RunJob job;
  job.request = parse_run_request(up.fields);
  const auto image = up.files.find("image");
  const fs::path upload = image == up.files.end() ? fs::path() : image->second;
  if (job.request.example && !upload.empty())
    throw Error(ErrorCode::invalid_argument, "fields \"image\" and \"example\" are both given: give one of them");
  if (!job.request.example && upload.empty())
    throw Error(ErrorCode::invalid_argument, "field \"image\" is missing: upload an image, or give example=1 to run on the model's example");
  try {
    job.model = p.catalog.path_of(job.request.model);
  } catch (const Error&) {
    throw Error(ErrorCode::invalid_argument, "field \"model\": \"" + job.request.model +
                                                 "\" is not a model of the server's models folder (GET /api/models lists them)");
  }
  job.id = id;
  job.model_id = job.request.model;
  job.output_count = p.catalog.output_count(job.request.model);
  job.folder = folder;
  job.upload = upload;
  p.queue.submit(std::move(job));
  cleanup.queued = true;
  send_json(res, {{"id", id}}, 202);
}

// ?z=3&t=0&c=1 -> {z: 3, t: 0, c: 1}; single-letter names only.
std::map<char, std::int64_t> plane_index(const Request& req) {
  std::map<char, std::int64_t> index;
  for (const auto& [name, value] : req.params) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (name.size() != 1 || std::string_view("btczi").find(name[0]) == std::string_view::npos)
      throw Error(ErrorCode::invalid_argument, "query \"" + name + "\" is not an axis (expected z, t, c, b or i)");
    if (ec != std::errc() || end != value.data() + value.size() || value.empty())
      throw Error(ErrorCode::invalid_argument, "query \"" + name + "\": \"" + value + "\" is not an index");
    index[name[0]] = v;
  }
  return index;
}

json ops_list() {
  json list = json::array();
  for (const auto& op : describe_ops()) {
    json entry = op;
    entry["description"] = op["summary"];
    entry["kwargs"] = op["params"];
    list.push_back(entry);
  }
  return list;
}

}  // namespace

void add_api_routes(httplib::Server& server, ServerParts& parts) {
  ServerParts& p = parts;
  server.Get("/api/models", guarded([&p](const Request&, Response& res) { send_json(res, p.catalog.gallery()); }));
  server.Get(R"(/api/models/([^/]+))", guarded([&p](const Request& req, Response& res) { send_json(res, p.catalog.card(req.matches[1])); }));
  server.Get(R"(/api/models/([^/]+)/cover)", guarded([&p](const Request& req, Response& res) {
               const std::optional<CoverImage> cover = p.catalog.cover(req.matches[1]);
               if (!cover) throw Error(ErrorCode::not_found, "model \"" + std::string(req.matches[1]) + "\" has no cover image");
               res.set_content(cover->bytes, cover->content_type);
             }));
  server.Get("/api/ops", guarded([](const Request&, Response& res) { send_json(res, ops_list()); }));
  server.Post("/api/runs", [&p](const Request& req, Response& res, const httplib::ContentReader& reader) {
    try {
      post_run(p, req, res, reader);
    } catch (const Error& e) {
      send_error(res, e);
    } catch (const std::exception& e) {
      send_error(res, 500, e.what());
    }
  });
  server.Get("/api/runs", guarded([&p](const Request&, Response& res) {
               json list = json::array();
               for (const RunStatus& s : p.queue.list()) list.push_back(to_json(s));
               send_json(res, list);
             }));
  server.Get(R"(/api/runs/([a-z0-9]+))", guarded([&p](const Request& req, Response& res) {
               send_json(res, to_json(run_or_404(p.queue, req.matches[1])));
             }));
  server.Delete(R"(/api/runs/([a-z0-9]+))", guarded([&p](const Request& req, Response& res) {
                  const std::optional<RunStatus> s = p.queue.cancel(req.matches[1], kCancelWait);
                  if (!s) throw Error(ErrorCode::not_found, "run \"" + std::string(req.matches[1]) + "\" does not exist");
                  send_json(res, to_json(*s));
                }));
  server.Get(R"(/api/runs/([a-z0-9]+)/events)", guarded([&p](const Request& req, Response& res) {
               run_or_404(p.queue, req.matches[1]);
               stream_run_events(res, p.queue, req.matches[1]);
             }));
  server.Get(R"(/api/runs/([a-z0-9]+)/input)", guarded([&p](const Request& req, Response& res) {
               const RunStatus s = run_or_404(p.queue, req.matches[1]);
               const std::optional<fs::path> folder = p.queue.folder_of(s.id);
               if (!s.has_input || !folder) throw Error(ErrorCode::not_found, "run \"" + s.id + "\" has no input image to show");
               send_file(res, input_tiff(*folder), "image/tiff");
             }));
  server.Get(R"(/api/runs/([a-z0-9]+)/outputs/([^/]+))", guarded([&p](const Request& req, Response& res) {
               const RunStatus s = run_or_404(p.queue, req.matches[1]);
               const std::string name = req.matches[2];
               const std::optional<fs::path> folder = p.queue.folder_of(s.id);
               for (const RunOutput& o : s.outputs)
                 if (o.name == name && folder) return send_file(res, *folder / o.name, "image/tiff", o.name);
               throw Error(ErrorCode::not_found, "run \"" + s.id + "\" has no output \"" + name + "\"" +
                                                     (s.state == RunState::done ? "" : " (it is " + std::string(to_string(s.state)) + ")"));
             }));
  server.Get(R"(/api/runs/([a-z0-9]+)/objects.csv)", guarded([&p](const Request& req, Response& res) {
               const RunStatus s = run_or_404(p.queue, req.matches[1]);
               const std::optional<fs::path> folder = p.queue.folder_of(s.id);
               if (!s.objects || !folder) throw Error(ErrorCode::not_found, "run \"" + s.id + "\" has no objects table (run with objects=1)");
               send_file(res, objects_table(*folder), "text/csv", "objects.csv");
             }));
  server.Get(R"(/api/runs/([a-z0-9]+)/slices/(input|output[0-9]+|labels))", guarded([&p](const Request& req, Response& res) {
               const RunStatus s = run_or_404(p.queue, req.matches[1]);
               const std::string name = req.matches[2];
               const std::optional<fs::path> folder = p.queue.folder_of(s.id);
               std::optional<fs::path> file;
               if (name == "input" && s.has_input && folder) file = input_tiff(*folder);
               for (const RunOutput& o : s.outputs)
                 if (o.name == name + ".tif" && folder) file = *folder / o.name;
               if (!file) throw Error(ErrorCode::not_found, "run \"" + s.id + "\" has no image \"" + name + "\"");
               send_json(res, image_plane(*file, plane_index(req)));
             }));
  add_install_routes(server, p.catalog, p.store, p.max_upload, p.stop);
  // Any other /api path: a JSON 404, never the front end's page.
  server.Get(R"(/api/.*)", [](const Request& req, Response& res) { send_error(res, 404, "no API route \"" + req.path + "\""); });
}

void add_page_routes(httplib::Server& server, ServerParts& parts) {
  const FrontEnd& front_end = parts.front_end;
  server.Get(R"(/.*)", [&front_end](const Request& req, Response& res) {
    try {
      front_end.answer(req, res);
    } catch (const std::exception& e) {
      send_error(res, 500, e.what());
    }
  });
}

}  // namespace deepimage::server
