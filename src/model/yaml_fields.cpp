#include "model/yaml_fields.hpp"

#include <cmath>
#include <limits>

#include "core/utf8.hpp"
#include "deepimage/error.hpp"

namespace deepimage::model {

namespace {

std::string shown(const YAML::Node& n) {
  if (!n || n.IsNull()) return "nothing";
  if (n.IsScalar()) return "\"" + n.Scalar() + "\"";
  if (n.IsSequence()) return n.size() == 0 ? "an empty list" : "a list of " + std::to_string(n.size());
  return "a mapping";
}

}  // namespace

void Fields::fail(const std::string& expected) const {
  throw Error(ErrorCode::bad_model, source_ + ": " + (path_.empty() ? "top level" : path_) + ": expected " + expected +
                                        ", got " + shown(node_));
}

void Fields::missing(const std::string& key) const {
  throw Error(ErrorCode::bad_model, source_ + ": " + child(key) + ": required field is missing");
}

Fields Fields::derived(YAML::Node node, std::string path) const {
  Fields f(std::move(node), std::move(path), source_);
  f.json_nodes_ = json_nodes_;
  return f;
}

Fields Fields::at(const std::string& key) const {
  if (!node_.IsMap()) fail("a mapping with \"" + key + "\"");
  if (!has(key)) missing(key);
  return derived(node_[key], child(key));
}

Fields Fields::at(std::size_t index) const {
  // yaml-cpp answers an index past the end with an invalid node that throws "invalid node" when used.
  if (!node_.IsSequence() || index >= node_.size())
    fail("a list of at least " + std::to_string(index + 1) + (index == 0 ? " entry" : " entries"));
  return derived(node_[index], path_ + "[" + std::to_string(index) + "]");
}

std::size_t Fields::size() const {
  if (!node_ || node_.IsNull()) return 0;
  if (!node_.IsSequence()) fail("a list");
  return node_.size();
}

std::string Fields::as_text() const {
  if (!node_.IsScalar()) fail("text");
  return node_.Scalar();
}

std::string Fields::text(const std::string& key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  return at(key).as_text();
}

std::string Fields::required_text(const std::string& key) const { return at(key).as_text(); }

std::int64_t Fields::as_int(std::int64_t min_value, const char* expected, std::int64_t max_value) const {
  if (!node_.IsScalar()) fail(expected);
  std::int64_t v = 0;
  try {
    std::size_t used = 0;
    const std::string s = node_.Scalar();
    v = std::stoll(s, &used);
    if (used != s.size()) {  // "512.0" is fine, "5x" is not
      const double d = std::stod(s);
      if (d != std::floor(d)) fail(expected);
      if (!(std::fabs(d) < 0x1p63)) fail(std::string(expected) + " of at most " + std::to_string(max_value));
      v = static_cast<std::int64_t>(d);
    }
  } catch (const std::logic_error&) {
    fail(expected);
  }
  if (v < min_value) fail(expected);
  if (v > max_value) fail(std::string(expected) + " of at most " + std::to_string(max_value));
  return v;
}

double Fields::as_double() const {
  if (!node_.IsScalar()) fail("a number");
  const std::string s = node_.Scalar();
  if (s == ".inf" || s == "inf" || s == "+.inf") return std::numeric_limits<double>::infinity();
  if (s == "-.inf" || s == "-inf") return -std::numeric_limits<double>::infinity();
  try {
    std::size_t used = 0;
    const double d = std::stod(s, &used);
    if (used != s.size()) fail("a number");
    return d;
  } catch (const std::logic_error&) {
    fail("a number");
  }
}

std::vector<std::string> Fields::texts(const std::string& key) const {
  std::vector<std::string> out;
  if (!has(key)) return out;
  Fields list = at(key);
  if (list.is_scalar()) return {list.as_text()};
  for (std::size_t i = 0; i < list.size(); ++i) out.push_back(list.at(i).as_text());
  return out;
}

nlohmann::json Fields::as_json_object() const {
  if (!node_.IsMap()) fail("a mapping");
  return to_json(node_);
}

nlohmann::json Fields::to_json(const YAML::Node& node) const {
  if (++*json_nodes_ > kMaxJsonNodes)
    throw Error(ErrorCode::bad_model, source_ + ": " + path_ + ": expands to more than " + std::to_string(kMaxJsonNodes) +
                                          " values (YAML aliases repeated over and over?)");
  if (!node || node.IsNull()) return nullptr;
  if (node.IsSequence()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& n : node) a.push_back(to_json(n));
    return a;
  }
  // JSON text must be UTF-8 (nlohmann throws when dumping anything else); a YAML escape such as
  // "\uD800" makes a string that is not, even in a file that is.
  const auto utf8 = [this](const std::string& text) -> const std::string& {
    if (const auto bad = invalid_utf8(text))
      throw Error(ErrorCode::bad_model, source_ + ": " + path_ + ": a string that is not UTF-8 text (" + bad->to_string() +
                                            " of the string)");
    return text;
  };
  if (node.IsMap()) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& kv : node) o[utf8(kv.first.Scalar())] = to_json(kv.second);
    return o;
  }
  const std::string s = utf8(node.Scalar());
  if (node.Tag() == "!") return s;  // quoted in the yaml: keep as text
  if (s == "true" || s == "True") return true;
  if (s == "false" || s == "False") return false;
  if (s == ".inf" || s == "-.inf" || s == "inf" || s == "-inf")
    return s[0] == '-' ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  try {
    std::size_t used = 0;
    const long long i = std::stoll(s, &used);
    if (used == s.size()) return i;
    const double d = std::stod(s, &used);
    if (used == s.size()) return d;
  } catch (const std::logic_error&) {
  }
  return s;
}

}  // namespace deepimage::model
