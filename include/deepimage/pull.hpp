// Fetching models into a models folder: from a URL (a bundle .zip, or an rdf.yaml and the files it
// names), a local .zip, or a bioimage.io id or nickname looked up in a collection index.
//
//   deepimage::PullReport r = deepimage::pull_model({.source = "affable-shark"});
//   r.model_path;   // ~/.local/share/deepimage/models/affable-shark, a bundle folder
//
//   // What `run`, `test`, `info` and `example` do with their MODEL argument: a path is used as it
//   // is; a URL or an id is pulled into the models folder the first time, found there afterwards.
//   std::filesystem::path model = deepimage::resolve_model("https://example.org/unet.zip");
//
// A pull downloads into a hidden folder beside its target and renames it into place only once
// every check passed (sha256 of the download and of every file whose hash the rdf gives, a safe
// unpack, the rdf parsed), so a failed or interrupted pull leaves nothing behind.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace deepimage {

// One download's state, sent often while it runs and once with `finished` set when it ends.
struct DownloadProgress {
  std::string url;
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;  // 0 when the server did not say
  double elapsed_s = 0;
  bool finished = false;
};
using DownloadCallback = std::function<void(const DownloadProgress&)>;

struct PullOptions {
  // http(s) URL of a .zip or of an rdf file (rdf.yaml, bioimageio.yaml, *.bioimageio.yaml, ...);
  // a local .zip; or an id, nickname or DOI of a collection entry ("affable-shark",
  // "10.5281/zenodo.5764892").
  std::string source;
  std::filesystem::path dir;   // the models folder; empty: default_models_folder() (catalog.hpp)
  std::string sha256;          // expected sha256 of the zip or rdf SOURCE names; empty: the collection
                               // entry's rdf_sha256 for an id, else none
  std::string collection;      // collection index file or URL; empty: default_collection()
  bool force = false;          // replace a model already in the folder (else the pull is a no-op)
  DownloadCallback progress;   // optional
  const std::atomic<bool>* cancel = nullptr;  // optional; a download stops when it turns true
};

struct PullReport {
  std::string source;          // as given
  std::string kind;            // "zip url", "rdf url", "local zip", "collection"; "earlier pull" when
                               // the models folder holds a pull by this very name (nothing is fetched)
  std::string url;             // the zip or rdf fetched (a collection entry's rdf_source or download_url)
  std::string model_path;      // the model's folder in the models folder ("path" in to_json, which the
                               // ImageJ plugin's Install Model reads)
  std::string model_id, model_name;
  bool already_present = false;  // nothing was fetched: the model was there (or replaced with force)
  std::size_t files = 0;         // files in the model's folder
  std::uint64_t bytes_downloaded = 0;
  double seconds = 0;
};

PullReport pull_model(const PullOptions& options);
nlohmann::json to_json(const PullReport& report);

// $DEEPIMAGE_COLLECTION, else bioimage.io's collection.json.
std::string default_collection();

// The MODEL of `run`, `test`, `info`, `example`: an existing path is returned as it is; an http(s)
// URL, or a name that looks like a model id or DOI, is pulled into default_models_folder() unless an
// earlier pull of the same name is there, and its folder is returned. Anything else is returned as
// it is, so the usual "does not exist" error names it.
std::filesystem::path resolve_model(const std::string& model, const DownloadCallback& progress = {},
                                    const std::atomic<bool>* cancel = nullptr);

}  // namespace deepimage
