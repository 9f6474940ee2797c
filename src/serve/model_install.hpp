// Adding models to the server's models folder from the web app:
//  - POST /api/models/pull  {"source": URL, bioimage.io id or nickname, or a .zip on this machine}:
//    what `deepimage pull` does (pull.hpp), into the models folder; 202 {"id", "report"}.
//  - POST /api/build (multipart): what `deepimage build` does (build.hpp). Files: `weights` (.pt,
//    .onnx, .h5, or a SavedModel .zip), `example` (an image), optional `documentation` (.md); text
//    field `spec`: a JSON object with build.yaml's keys (docs/build.md) but the file ones (weights,
//    example, documentation, bundle, overwrite), which the server sets. The bundle is written as a
//    folder in the models folder named after the model's name; 201 {"id", "report"}.
// Both answer a one-line error JSON naming the field on a bad value.
#pragma once

#include <atomic>
#include <cstdint>

namespace httplib {
class Server;
}

namespace deepimage::server {

class ModelCatalog;
class RunStore;

// `stop`: the server's stop flag; a pull's download ends when it turns true (nullptr: never).
void add_install_routes(httplib::Server& server, ModelCatalog& catalog, const RunStore& store, std::uint64_t max_upload,
                        const std::atomic<bool>* stop);

}  // namespace deepimage::server
