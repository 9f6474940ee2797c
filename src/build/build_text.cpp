// The text forms of size rules, ops and authors, shared by the command line and build.yaml.
#include <charconv>
#include <cmath>

#include "deepimage/build.hpp"
#include "deepimage/error.hpp"
#include "model/rdf_versions.hpp"
#include "model/spec_json.hpp"

namespace deepimage {
namespace {

std::string trimmed(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

bool parse_int(std::string_view s, std::int64_t& v) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool parse_number(const std::string& s, double& v) {
  if (s.empty()) return false;
  std::size_t used = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == s.size() && std::isfinite(v);
}

[[noreturn]] void bad_size(const std::string& field, const std::string& text) {
  throw Error(ErrorCode::invalid_argument,
              field + " \"" + text + "\" is not a size rule; expected a fixed size (\"256\"), min/step (\"64/16\") or, for outputs, "
                                     "the input's size (\"ref\", \"ref*2\", \"ref*0.5-8\")");
}

}  // namespace

AxisSize parse_size_rule(const std::string& raw, const std::string& field) {
  const std::string text = trimmed(raw);
  AxisSize size;
  std::int64_t v = 0;
  if (parse_int(text, v)) {
    if (v < 1 || v > model::kMaxAxisSize) bad_size(field, text);
    size.value = v;
    return size;
  }
  if (const auto slash = text.find('/'); slash != std::string::npos) {
    std::int64_t min = 0, step = 0;
    if (!parse_int(trimmed(text.substr(0, slash)), min) || !parse_int(trimmed(text.substr(slash + 1)), step) || min < 1 ||
        step < 0 || min > model::kMaxAxisSize || step > model::kMaxAxisSize)
      bad_size(field, text);
    size.kind = AxisSize::Kind::parameterized;
    size.min = min;
    size.step = step;
    return size;
  }
  if (text.rfind("ref", 0) == 0) {
    // ref[*factor][(+|-)offset]
    std::string rest = text.substr(3);
    size.kind = AxisSize::Kind::reference;
    if (!rest.empty() && rest[0] == '*') {
      const auto sign = rest.find_first_of("+-", 1);
      if (!parse_number(trimmed(rest.substr(1, sign == std::string::npos ? std::string::npos : sign - 1)), size.factor) ||
          !(size.factor > 0))
        bad_size(field, text);
      rest = sign == std::string::npos ? "" : rest.substr(sign);
    }
    if (!rest.empty()) {
      std::int64_t offset = 0;
      if ((rest[0] != '+' && rest[0] != '-') || !parse_int(trimmed(rest.substr(1)), offset) || offset > model::kMaxAxisSize)
        bad_size(field, text);
      size.offset = static_cast<double>(rest[0] == '-' ? -offset : offset);
    }
    return size;
  }
  bad_size(field, text);
}

OpSpec parse_op(const std::string& raw, const std::string& field) {
  const std::string text = trimmed(raw);
  OpSpec op;
  const auto colon = text.find(':');
  op.id = trimmed(text.substr(0, colon));
  if (op.id.empty())
    throw Error(ErrorCode::invalid_argument, field + " \"" + text + "\" names no op; expected ID or ID:{kwargs as JSON}, e.g. "
                                                                    "scale_range:{\"min_percentile\": 1, \"max_percentile\": 99.8}");
  if (colon != std::string::npos) {
    const std::string kwargs = trimmed(text.substr(colon + 1));
    nlohmann::json parsed;
    try {
      parsed = nlohmann::json::parse(kwargs);
    } catch (const nlohmann::json::exception&) {
      throw Error(ErrorCode::invalid_argument, field + " \"" + text + "\": kwargs \"" + kwargs +
                                                   "\" are not valid JSON; expected an object such as {\"axes\": [\"y\", \"x\"]}");
    }
    if (!parsed.is_object())
      throw Error(ErrorCode::invalid_argument, field + " \"" + text + "\": kwargs \"" + kwargs +
                                                   "\" are not a JSON object; expected {\"name\": value, ...}");
    set_kwargs(op, parsed);
  }
  return op;
}

Author parse_author(const std::string& text, const std::string& field) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  for (std::size_t end; (end = text.find(';', begin)) != std::string::npos; begin = end + 1) parts.push_back(trimmed(text.substr(begin, end - begin)));
  parts.push_back(trimmed(text.substr(begin)));
  if (parts.size() > 3 || parts[0].empty())
    throw Error(ErrorCode::invalid_argument, field + " \"" + text + "\" is not an author; expected \"NAME[; AFFILIATION[; GITHUB USER]]\"");
  Author a;
  a.name = parts[0];
  if (parts.size() > 1) a.affiliation = parts[1];
  if (parts.size() > 2) a.github_user = parts[2];
  return a;
}

}  // namespace deepimage
