// RdfField, shown() and the small required-field helpers of validation.hpp.
#include <cmath>
#include <limits>

#include "run/validation.hpp"

namespace deepimage::run {

std::string shown(const YAML::Node& n) {
  if (!n || n.IsNull()) return "nothing";
  if (n.IsScalar()) return "\"" + n.Scalar() + "\"";
  if (n.IsSequence()) return n.size() == 0 ? "an empty list" : "a list of " + std::to_string(n.size());
  return "a mapping";
}

RdfField RdfField::operator[](const std::string& key) const {
  // yaml-cpp's operator[] on a const node never inserts; a non-map answers an invalid node.
  // A missing member is an invalid node, which throws when asked its type: it becomes a null node.
  const YAML::Node& n = node_;
  return RdfField(n.IsMap() && n[key] ? n[key] : YAML::Node(), child_path(key));
}

RdfField RdfField::operator[](std::size_t index) const {
  const YAML::Node& n = node_;
  return RdfField(n.IsSequence() && index < n.size() ? n[index] : YAML::Node(), path_ + "[" + std::to_string(index) + "]");
}

std::optional<std::int64_t> RdfField::integer() const {
  const auto d = number();
  if (!d || *d != std::floor(*d) || std::fabs(*d) > 0x1p62) return std::nullopt;
  return static_cast<std::int64_t>(*d);
}

std::optional<double> RdfField::number() const {
  if (!node_.IsScalar() || node_.Tag() == "!") return std::nullopt;  // "!" : quoted text
  const std::string s = node_.Scalar();
  if (s == ".inf" || s == "+.inf" || s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-.inf" || s == "-inf") return -std::numeric_limits<double>::infinity();
  try {
    std::size_t used = 0;
    const double d = std::stod(s, &used);
    if (used == s.size()) return d;
  } catch (const std::logic_error&) {
  }
  return std::nullopt;
}

std::optional<RdfField> required(const RdfField& parent, const std::string& key, const std::string& hint,
                                 Problems& problems) {
  RdfField f = parent[key];
  if (!f.present()) {
    problems.error(f.path(), "required field is missing", hint);
    return std::nullopt;
  }
  return f;
}

bool check_text(const RdfField& field, const std::string& hint, Problems& problems) {
  if (!field.is_scalar() || field.text().empty()) {
    problems.error(field.path(), "expected text, got " + shown(field.node()), hint);
    return false;
  }
  return true;
}

}  // namespace deepimage::run
