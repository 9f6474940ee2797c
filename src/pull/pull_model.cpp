// pull_model: SOURCE -> a bundle folder in the models folder.
//
//   <dir>/.pull.deepimage-<pid>.tmp/        everything happens here, removed at the end
//       download            the zip, rdf or collection index as fetched
//       model/              the bundle being assembled: unpacked zip, or rdf + the files it names
//   <dir>/<id or name>/     model/ renamed here once every check passed
//
// The model folder holds `.deepimage-pull.json` (the source and the names it was pulled by), which is
// how resolve_model finds an earlier pull of a URL or id without going to the network.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include <unistd.h>

#include "deepimage/catalog.hpp"
#include "deepimage/error.hpp"
#include "deepimage/pull.hpp"
#include "io/temp_file.hpp"
#include "model/model.hpp"
#include "pull/collection.hpp"
#include "pull/file_sha256.hpp"
#include "pull/http_download.hpp"
#include "pull/rdf_files.hpp"
#include "pull/zip_unpack.hpp"
#include "run/stopwatch.hpp"

namespace deepimage {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBioimageioCollection = "https://uk1s3.embassy.ebi.ac.uk/public-datasets/bioimage.io/collection.json";
constexpr const char* kMarker = ".deepimage-pull.json";
constexpr std::uint64_t kMaxCollectionBytes = std::uint64_t{256} << 20;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string slurp(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// The URL without query and fragment.
std::string url_path(const std::string& url) { return url.substr(0, url.find_first_of("?#")); }

// The folder a relative reference is resolved against: everything up to the last "/" of the path.
std::string url_folder(const std::string& url) {
  const std::string path = url_path(url);
  return path.substr(0, path.rfind('/') + 1);
}

std::string url_file_name(const std::string& url) {
  const std::string path = url_path(url);
  return path.substr(path.rfind('/') + 1);
}

// A relative path as a URL path: reserved characters percent-encoded, "/" kept.
std::string url_encoded(const std::string& relative) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : relative) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += {'%', kHex[c >> 4], kHex[c & 15]};
  }
  return out;
}

std::string file_url(const fs::path& path) { return "file://" + url_encoded(fs::absolute(path).lexically_normal().string()); }

// A folder name from an id or a name: letters, digits, ".", "-", "_"; anything else "_".
std::string folder_name(const std::string& id_or_name) {
  std::string out;
  for (const unsigned char c : id_or_name) out += std::isalnum(c) || c == '.' || c == '-' || c == '_' ? static_cast<char>(c) : '_';
  while (!out.empty() && (out.front() == '.' || out.front() == '-')) out.erase(out.begin());  // never hidden, never an option
  if (out.size() > 100) out.resize(100);
  return out.empty() ? "model" : out;
}

bool is_rdf_name(const std::string& name) {
  return name == "rdf.yaml" || name == "bioimageio.yaml" || ends_with(name, ".bioimageio.yaml") || name == "model.yaml" ||
         ends_with(name, ".model.yaml");
}

bool is_zip_file(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  char magic[4] = {};
  f.read(magic, 4);
  return f && magic[0] == 'P' && magic[1] == 'K' && ((magic[2] == 3 && magic[3] == 4) || (magic[2] == 5 && magic[3] == 6));
}

// The hidden working folder of this pull; removed with what it holds when the pull ends, whatever
// happens. Leftovers of killed pulls (their pid no longer runs) are removed first.
class WorkFolder {
 public:
  explicit WorkFolder(const fs::path& dir) {
    const fs::path name = dir / "pull";
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const auto owner = io::temp_file_owner(name, it->path());
      if (owner && *owner != ::getpid() && ::kill(*owner, 0) != 0 && errno != EPERM) {
        std::error_code ignored;
        fs::remove_all(it->path(), ignored);
      }
    }
    path_ = io::temp_path_for(name);
    fs::remove_all(path_);
    fs::create_directories(path_ / "model");
  }
  ~WorkFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  WorkFolder(const WorkFolder&) = delete;
  WorkFolder& operator=(const WorkFolder&) = delete;
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Where a SOURCE leads, once classified (and, for an id, looked up).
struct Plan {
  std::string kind;           // "zip url", "rdf url", "local zip", "collection"
  std::string url;            // http(s) or file URL to fetch; empty for a local zip
  fs::path local_zip;
  std::string sha256;         // expected hash of what `url` / `local_zip` holds
  bool allow_file_urls = false;
  std::string id;             // the collection's id, when known before fetching
  std::vector<std::string> names;  // what the model may be asked for by later (resolve_model)
};

struct Fetcher {
  const PullOptions& options;
  std::uint64_t bytes = 0;
  std::uint64_t operator()(const std::string& url, const fs::path& target, std::uint64_t max_bytes, bool allow_file) {
    const std::uint64_t n = pull::download(url, target, {.max_bytes = max_bytes, .allow_file_urls = allow_file,
                                                         .progress = options.progress, .cancel = options.cancel});
    bytes += n;
    return n;
  }
};

// The collection index as JSON, from a file or a URL.
nlohmann::json read_collection(const std::string& where, const WorkFolder& work, Fetcher& fetch) {
  fs::path file = where;
  if (pull::is_http_url(where)) {
    file = work / "collection.json";
    fetch(where, file, kMaxCollectionBytes, false);
  } else if (!fs::is_regular_file(where)) {
    throw Error(ErrorCode::not_found, "collection index \"" + where + "\" does not exist (give a file or an http(s) URL)");
  }
  try {
    return nlohmann::json::parse(slurp(file));
  } catch (const nlohmann::json::exception&) {
    throw Error(ErrorCode::bad_model, "collection index \"" + where + "\" is not valid JSON");
  }
}

Plan plan_source(const PullOptions& o, const WorkFolder& work, Fetcher& fetch) {
  Plan p;
  p.sha256 = o.sha256;
  p.names = {o.source};
  if (pull::is_http_url(o.source)) {
    p.url = o.source;
    p.kind = ends_with(url_path(o.source), ".zip") ? "zip url" : "rdf url";  // refined by content once fetched
    return p;
  }
  if (fs::exists(o.source)) {
    if (!fs::is_regular_file(o.source) || !is_zip_file(o.source))
      throw Error(ErrorCode::invalid_argument, "\"" + o.source + "\" is not a .zip; pull takes a URL, a local .zip or a model id");
    p.kind = "local zip";
    p.local_zip = o.source;
    p.names = {fs::absolute(o.source).lexically_normal().string()};
    return p;
  }
  // What can only be a path (a .zip name, or one starting at / . or ~) is not looked up as an id: a
  // typo in a file name would otherwise become a network lookup and a puzzling "no such model".
  std::string lower = o.source;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ends_with(lower, ".zip") || o.source.front() == '/' || o.source.front() == '.' || o.source.front() == '~')
    throw Error(ErrorCode::not_found, "\"" + o.source + "\" does not exist; pull takes a URL, a local .zip or a model id");
  const std::string where = o.collection.empty() ? default_collection() : o.collection;
  const pull::CollectionEntry e = pull::find_in_collection(read_collection(where, work, fetch), o.source,
                                                           "\"" + where + "\"");
  p.kind = "collection";
  p.id = e.id;
  for (const auto& n : {e.id, e.nickname, e.concept_doi})
    if (!n.empty() && n != o.source) p.names.push_back(n);
  // The rdf first: its hash is in the index; the zip's is not.
  const std::string& target = e.rdf_source.empty() ? e.download_url : e.rdf_source;
  if (p.sha256.empty() && !e.rdf_source.empty()) p.sha256 = e.rdf_sha256;
  const bool local_index = !pull::is_http_url(where);
  if (pull::is_http_url(target) || pull::is_file_url(target)) p.url = target;
  else p.url = (local_index ? url_folder(file_url(where)) : url_folder(where)) + url_encoded(target);
  p.allow_file_urls = local_index;  // a file the user's own index names; never one a server's does
  return p;
}

// Fetches the rdf at `url` and every file it names into `model`; absolute URLs in the rdf are
// rewritten to the local copies' names, so the folder is a bundle on its own.
void fetch_rdf_bundle(const std::string& url, const fs::path& rdf_file, const fs::path& model, bool allow_file, Fetcher& fetch) {
  std::string text = slurp(rdf_file);
  const std::string base = url_folder(url);
  // Every name is checked before the first file is fetched: a refused rdf costs one download.
  struct Fetch {
    std::string from, name, sha256;
    bool by_url = false;
  };
  std::vector<Fetch> fetches;
  std::map<std::string, std::string> local_names;  // name -> where it comes from
  for (const pull::RdfFile& f : pull::referenced_files(text, "\"" + url + "\"")) {
    Fetch one;
    one.sha256 = f.sha256;
    one.by_url = pull::is_http_url(f.source);
    if (one.by_url) {
      one.from = f.source;
      one.name = folder_name(url_file_name(f.source));
    } else if (f.source.find("://") != std::string::npos) {
      throw Error(ErrorCode::bad_model, "\"" + url + "\" names \"" + f.source + "\"; expected a relative path or an http(s) URL");
    } else {
      one.name = model::normalised_entry(f.source, "\"" + url + "\"");  // no "..", nothing absolute
      one.from = base + url_encoded(one.name);
    }
    const auto [it, added] = local_names.emplace(one.name, one.from);
    if (!added && it->second == one.from) continue;  // "weights.pt" and "./weights.pt"
    if (!added)
      throw Error(ErrorCode::bad_model, "\"" + url + "\" names two files that would both be saved as \"" + one.name + "\"");
    fetches.push_back(std::move(one));
  }
  for (const Fetch& f : fetches) {
    const fs::path target = model / f.name;
    fs::create_directories(target.parent_path());
    fetch(f.from, target, model::kMaxEntryBytes, allow_file);
    if (!f.sha256.empty()) pull::check_sha256(target, f.sha256, "\"" + f.from + "\"");
    if (f.by_url)
      for (auto at = text.find(f.from); at != std::string::npos; at = text.find(f.from, at + f.name.size()))
        text.replace(at, f.from.size(), f.name);
  }
  const std::string rdf_name = is_rdf_name(url_file_name(url)) ? url_file_name(url) : "rdf.yaml";
  std::ofstream(model / rdf_name, std::ios::binary) << text;
}

// Parses the bundle with the project's parser and checks every hash the rdf gives for a file in it
// (rdf 0.3 excepted: its tools never checked them and its published bundles carry stale ones).
model::Model load_checked(const fs::path& folder) {
  model::Model m = model::open_model(folder);
  if (m.spec.format_version.rfind("0.3", 0) == 0) return m;
  const auto check = [&](const std::string& source, const std::string& sha256) {
    if (sha256.empty() || pull::is_http_url(source)) return;
    const std::string name = model::normalised_entry(source, "\"" + folder.string() + "\"");
    if (!fs::is_regular_file(folder / name))
      throw Error(ErrorCode::bad_model, "the bundle lacks \"" + name + "\", which its rdf names");
    pull::check_sha256(folder / name, sha256, "\"" + name + "\"");
  };
  for (const auto& w : m.spec.weights) check(w.source, w.sha256);
  for (const auto* side : {&m.spec.inputs, &m.spec.outputs})
    for (const auto& t : *side) check(t.test_tensor, t.test_tensor_sha256);
  return m;
}

std::size_t count_files(const fs::path& folder) {
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(folder))
    if (e.is_regular_file() && e.path().filename() != kMarker) ++n;
  return n;
}

// The folder in `dir` an earlier pull by `name` made, or empty.
fs::path find_pulled(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path marker = it->path() / kMarker;
    if (it->path().filename().string().front() == '.' || !fs::is_regular_file(marker)) continue;
    const auto record = nlohmann::json::parse(slurp(marker), nullptr, /*allow_exceptions=*/false);
    if (!record.is_object() || !record.contains("names") || !record["names"].is_array()) continue;
    for (const auto& n : record["names"])
      if (n.is_string() && n.get<std::string>() == name) return it->path();
  }
  return {};
}

PullReport present(PullReport r, const fs::path& folder) {
  r.already_present = true;
  r.model_path = folder.string();
  try {
    const model::Model m = model::open_model(folder);
    r.model_id = m.spec.id;
    r.model_name = m.spec.name;
  } catch (const Error&) {  // a broken folder is still "there": --force replaces it
  }
  r.files = count_files(folder);
  return r;
}

}  // namespace

std::string default_collection() {
  const char* env = std::getenv("DEEPIMAGE_COLLECTION");
  return env && *env ? env : kBioimageioCollection;
}

PullReport pull_model(const PullOptions& o) {
  const auto t0 = run::Clock::now();
  if (o.source.empty()) throw Error(ErrorCode::invalid_argument, "pull needs a SOURCE: a URL, a local .zip or a model id");
  const fs::path dir = o.dir.empty() ? default_models_folder() : o.dir;
  fs::create_directories(dir);
  PullReport r;
  r.source = o.source;

  // Named before: nothing to fetch (an id's folder is known before the index is read, too).
  if (!o.force) {
    if (const fs::path earlier = find_pulled(dir, o.source); !earlier.empty()) {
      r.kind = "earlier pull";
      r.seconds = run::seconds_since(t0);
      return present(r, earlier);
    }
  }
  WorkFolder work(dir);
  Fetcher fetch{o};
  const Plan plan = plan_source(o, work, fetch);
  r.kind = plan.kind;
  r.url = plan.url.empty() ? plan.local_zip.string() : plan.url;
  if (!plan.id.empty() && !o.force && fs::exists(dir / folder_name(plan.id))) {
    r.bytes_downloaded = fetch.bytes;
    r.seconds = run::seconds_since(t0);
    return present(r, dir / folder_name(plan.id));
  }

  const fs::path model = work / "model";
  fs::path fetched = plan.local_zip;
  if (fetched.empty()) {
    fetched = work / "download";
    fetch(plan.url, fetched, pull::kMaxUnpackedBytes, plan.allow_file_urls);
  }
  if (!plan.sha256.empty()) pull::check_sha256(fetched, plan.sha256, "\"" + r.url + "\"");
  if (is_zip_file(fetched)) {
    if (r.kind == "rdf url") r.kind = "zip url";
    pull::unpack_zip(fetched, model, r.url);
  } else {
    if (r.kind == "zip url") throw Error(ErrorCode::bad_model, "\"" + r.url + "\" is not a zip");
    if (fs::file_size(fetched) > model::kMaxTextEntryBytes)
      throw Error(ErrorCode::bad_model, "\"" + r.url + "\" is neither a zip nor a model description (larger than " +
                                            std::to_string(model::kMaxTextEntryBytes) + " bytes)");
    if (r.kind != "collection") r.kind = "rdf url";
    fetch_rdf_bundle(plan.url, fetched, model, plan.allow_file_urls, fetch);
  }
  r.bytes_downloaded = fetch.bytes;

  const model::Model m = [&] {
    try {
      return load_checked(model);
    } catch (const Error& e) {  // it names the hidden working folder; the user knows the bundle as the zip or URL
      throw Error(e.code(), io::naming_target(e.what(), model, r.url));
    }
  }();
  r.model_id = m.spec.id;
  r.model_name = m.spec.name;
  const fs::path target = dir / folder_name(!plan.id.empty() ? plan.id : !m.spec.id.empty() ? m.spec.id : m.spec.name);
  r.seconds = run::seconds_since(t0);
  if (fs::exists(target) && !o.force) return present(r, target);

  std::vector<std::string> names = plan.names;
  if (!m.spec.id.empty() && std::find(names.begin(), names.end(), m.spec.id) == names.end()) names.push_back(m.spec.id);
  if (r.url != o.source) names.push_back(r.url);
  std::ofstream(model / kMarker) << nlohmann::json{{"source", o.source}, {"url", r.url}, {"names", names}}.dump(2) << "\n";
  r.files = count_files(model);
  if (fs::exists(target)) fs::rename(target, work / "replaced");  // --force; removed with the work folder
  fs::rename(model, target);
  r.model_path = target.string();
  r.seconds = run::seconds_since(t0);
  return r;
}

nlohmann::json to_json(const PullReport& r) {
  return {{"source", r.source},   {"kind", r.kind},         {"url", r.url},
          {"path", r.model_path}, {"model_id", r.model_id}, {"model_name", r.model_name},
          {"already_present", r.already_present}, {"files", r.files}, {"bytes_downloaded", r.bytes_downloaded},
          {"seconds", r.seconds}};
}

fs::path resolve_model(const std::string& model, const DownloadCallback& progress, const std::atomic<bool>* cancel) {
  std::error_code ec;
  if (model.empty() || fs::exists(model, ec)) return model;
  // bioimage.io ids are lower-case words joined by "-" ("affable-shark"), or DOIs ("10.5281/zenodo.5764892");
  // a missing file such as "unet2d/" or "cells.zip" is neither, and keeps its "does not exist" error.
  static const std::regex id(R"(([a-z0-9]+(-[a-z0-9]+)+)|(10\.[0-9]{4,9}/[A-Za-z0-9._;()/:-]+))");
  const bool url = pull::is_http_url(model);
  if (!url && !std::regex_match(model, id)) return model;
  const fs::path dir = default_models_folder();
  if (const fs::path earlier = find_pulled(dir, model); !earlier.empty()) return earlier;
  try {
    PullOptions options;
    options.source = model;
    options.dir = dir;
    options.progress = progress;
    options.cancel = cancel;
    return pull_model(options).model_path;
  } catch (const Error& e) {
    if (url || e.code() == ErrorCode::cancelled) throw;
    throw Error(e.code(), "model \"" + model + "\" is not a file or folder, and as a model id: " + e.what());
  }
}

}  // namespace deepimage
