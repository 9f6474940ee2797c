// RunRequest — the fields of POST /api/runs, checked before anything is queued: each bad value is an
// Error(invalid_argument) naming the field, the value and what was expected (HTTP 400). Whether a tile
// size suits the model is the library's to say when the run starts (the run then fails, with its
// message in the status).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "deepimage/object_rules.hpp"

namespace deepimage::server {

struct RunRequest {
  std::string model;                      // a model id (checked against the catalog by the caller)
  bool example = false;                   // run on the model's own example instead of an upload
  std::map<char, std::int64_t> tile, halo;
  std::string axes;
  std::vector<int> channels;
  std::string pad = "reflect";
  // objects=1: the first output becomes objects too (run --objects), shaped by threshold (a number or
  // otsu; empty: a StarDist model's, else 0.5), split (1/0) and min_size (pixels).
  std::optional<ObjectRules> objects;
};

// The text fields of the form (not the image), by name. Unknown fields are refused, so a typo in a
// field's name is not silently ignored.
RunRequest parse_run_request(const std::map<std::string, std::string>& fields);

// The extension an upload named `client_name` is stored with (".tif", ".npy", ".png", ".jpg"): its own,
// lower case, when it is one deepimage reads as a single file; else invalid_argument naming the field
// "image" and the accepted ones. The client's name is used for nothing else.
std::string upload_extension(const std::string& client_name);

}  // namespace deepimage::server
