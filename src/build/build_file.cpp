// build.yaml -> BuildRequest. The keys are the command line's flags without their dashes, grouped
// (input.axes is --input-axes); docs/build.md has a complete example. Unknown keys are errors, so a
// misspelt key is not silently ignored.
#include <fstream>
#include <set>
#include <sstream>

#include "deepimage/build.hpp"
#include "deepimage/error.hpp"
#include "model/spec_json.hpp"
#include "model/yaml_fields.hpp"

namespace deepimage {
namespace {

namespace fs = std::filesystem;
using model::Fields;

void only_known_keys(const Fields& f, const std::set<std::string>& known) {
  if (!f.is_map()) f.fail("a mapping");
  for (const auto& kv : f.node()) {
    const std::string key = kv.first.Scalar();
    if (!known.count(key)) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      f.at(key).fail("one of the keys " + list + " (\"" + key + "\" is not one)");
    }
  }
}

fs::path relative_to(const fs::path& base, const std::string& path) {
  if (path.empty()) return {};
  const fs::path p(path);
  return p.is_absolute() ? p : base / p;
}

char axis_key(const Fields& where, const std::string& key) {
  if (key.size() != 1 || std::string("bitczyx").find(key[0]) == std::string::npos)
    where.fail("axis letters (b, i, t, c, z, y, x) as keys, not \"" + key + "\"");
  return key[0];
}

std::vector<OpSpec> read_ops(const Fields& list) {
  std::vector<OpSpec> ops;
  if (!list.is_list()) list.fail("a list of {id, kwargs}");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Fields op = list.at(i);
    if (op.is_scalar()) {  // "- sigmoid"
      ops.push_back(make_op(op.as_text()));
      continue;
    }
    only_known_keys(op, {"id", "kwargs"});
    ops.push_back(make_op(op.required_text("id"), op.has("kwargs") ? op.at("kwargs").as_json_object() : nlohmann::json::object()));
  }
  return ops;
}

BuildTensor read_tensor(const Fields& f, bool is_input) {
  only_known_keys(f, {"id", "name", "description", "axes", "size", "halo", "channel_names", "data_type",
                      is_input ? "preprocessing" : "postprocessing"});
  BuildTensor t;
  t.id = f.text("id");
  t.name = f.text("name");
  t.description = f.text("description");
  t.axes = f.text("axes");
  if (f.has("size")) {
    const Fields size = f.at("size");
    if (!size.is_map()) size.fail("a mapping from axis to size rule, e.g. {y: 64/16, x: 64/16}");
    for (const auto& kv : size.node()) {
      const std::string key = kv.first.Scalar();
      t.size[axis_key(size, key)] = parse_size_rule(size.text(key), (is_input ? "input.size." : "output.size.") + key);
    }
  }
  if (f.has("halo")) {
    const Fields halo = f.at("halo");
    if (!halo.is_map()) halo.fail("a mapping from axis to pixels, e.g. {y: 32, x: 32}");
    for (const auto& kv : halo.node()) {
      const std::string key = kv.first.Scalar();
      t.halo[axis_key(halo, key)] = halo.at(key).as_int(0, "a non-negative integer", kMaxHalo);
    }
  }
  t.channel_names = f.texts("channel_names");
  if (f.has("data_type")) {
    try {
      t.data_type = dtype_from_string(f.text("data_type"));
    } catch (const Error&) {
      f.at("data_type").fail("a data type such as uint8, uint16 or float32");
    }
  }
  const char* ops_key = is_input ? "preprocessing" : "postprocessing";
  if (f.has(ops_key)) t.ops = read_ops(f.at(ops_key));
  return t;
}

}  // namespace

BuildRequest read_build_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::not_found, "build file \"" + path.string() + "\" cannot be read; expected a build.yaml");
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node doc;
  try {
    doc = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    throw Error(ErrorCode::invalid_argument, path.string() + ": not valid YAML at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  const Fields root(doc, "", path.string());
  only_known_keys(root, {"weights", "weights_format", "weights_version", "example", "example_axes", "name", "description",
                         "license", "authors", "cite", "tags", "documentation", "bundle", "overwrite", "input", "output",
                         "threads"});
  const fs::path base = path.parent_path();
  BuildRequest r;
  r.weights = relative_to(base, root.text("weights"));
  r.weights_format = root.text("weights_format");
  r.weights_version = root.text("weights_version");
  r.example = relative_to(base, root.text("example"));
  r.example_axes = root.text("example_axes");
  r.name = root.text("name");
  r.description = root.text("description");
  r.license = root.text("license");
  r.tags = root.texts("tags");
  r.documentation = relative_to(base, root.text("documentation"));
  r.output_path = relative_to(base, root.text("bundle"));
  r.overwrite = root.text("overwrite") == "true";
  if (root.has("threads")) r.threads = static_cast<int>(root.at("threads").as_int(0, "a non-negative integer", 1024));
  if (root.has("authors")) {
    const Fields list = root.at("authors");
    if (!list.is_list()) list.fail("a list of {name, affiliation, github}");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const Fields a = list.at(i);
      if (a.is_scalar()) {
        r.authors.push_back(parse_author(a.as_text(), a.path()));
        continue;
      }
      only_known_keys(a, {"name", "affiliation", "github", "email", "orcid"});
      Author author;
      author.name = a.text("name");
      author.affiliation = a.text("affiliation");
      author.github_user = a.text("github");
      author.email = a.text("email");
      author.orcid = a.text("orcid");
      r.authors.push_back(author);
    }
  }
  if (root.has("cite")) {
    const Fields list = root.at("cite");
    if (!list.is_list()) list.fail("a list of {text, doi, url}");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const Fields c = list.at(i);
      only_known_keys(c, {"text", "doi", "url"});
      r.cite.push_back({c.text("text"), c.text("doi"), c.text("url")});
    }
  }
  if (root.has("input")) r.input = read_tensor(root.at("input"), true);
  if (root.has("output")) r.output = read_tensor(root.at("output"), false);
  return r;
}

}  // namespace deepimage
