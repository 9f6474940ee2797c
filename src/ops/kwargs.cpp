#include "ops/kwargs.hpp"

#include <cstring>

#include "deepimage/error.hpp"

namespace deepimage::ops {

namespace {

const nlohmann::json& empty_object() {
  static const nlohmann::json empty = nlohmann::json::object();
  return empty;
}

// 0.5 ids of the non-space axes, and the letters both versions use.
std::optional<char> letter_of(std::string_view id) {
  if (id == "batch") return 'b';
  if (id == "channel") return 'c';
  if (id == "index") return 'i';
  if (id == "time") return 't';
  if (id.size() == 1 && std::strchr("bcitzyx", id[0]) != nullptr) return id[0];
  return std::nullopt;
}

std::string in_quotes(std::string_view s) {
  std::string out(1, '"');
  out.append(s);
  out += '"';
  return out;
}

}  // namespace

Kwargs::Kwargs(std::string op, const nlohmann::json& kwargs) : op_(std::move(op)), kwargs_(&kwargs) {
  if (kwargs.is_null()) {
    kwargs_ = &empty_object();
  } else if (!kwargs.is_object()) {
    fail("kwargs: expected a mapping of names to values, got " + kwargs.dump());
  }
}

const nlohmann::json* Kwargs::find(std::string_view name) const {
  auto it = kwargs_->find(std::string(name));
  if (it == kwargs_->end() || it->is_null()) return nullptr;
  return &*it;
}

const nlohmann::json& Kwargs::require(std::string_view name) const {
  const nlohmann::json* value = find(name);
  if (!value) fail("missing required kwarg " + in_quotes(name));
  return *value;
}

bool Kwargs::has(std::string_view name) const { return find(name) != nullptr; }

void Kwargs::fail(std::string_view name, std::string_view expected) const {
  const nlohmann::json* value = find(name);
  fail("kwarg " + in_quotes(name) + ": expected " + std::string(expected) + ", got " +
       (value ? value->dump() : std::string("nothing")));
}

void Kwargs::fail(const std::string& message) const { throw Error(ErrorCode::bad_model, op_ + ": " + message); }

double Kwargs::number(std::string_view name) const {
  const nlohmann::json& value = require(name);
  if (!value.is_number()) fail(name, "a number");
  return value.get<double>();
}

double Kwargs::number_or(std::string_view name, double fallback) const {
  return has(name) ? number(name) : fallback;
}

std::optional<double> Kwargs::optional_number(std::string_view name) const {
  if (!has(name)) return std::nullopt;
  return number(name);
}

std::vector<double> Kwargs::numbers(std::string_view name) const {
  const nlohmann::json& value = require(name);
  constexpr std::string_view expected = "a number or a list of numbers";
  if (value.is_number()) return {value.get<double>()};
  if (!value.is_array() || value.empty()) fail(name, expected);
  std::vector<double> out;
  for (const auto& v : value) {
    if (!v.is_number()) fail(name, expected);
    out.push_back(v.get<double>());
  }
  return out;
}

std::string Kwargs::string(std::string_view name) const {
  const nlohmann::json& value = require(name);
  if (!value.is_string()) fail(name, "a string");
  return value.get<std::string>();
}

std::string Kwargs::string_or(std::string_view name, std::string fallback) const {
  return has(name) ? string(name) : fallback;
}

char Kwargs::axis_letter(std::string_view name, std::string_view id, const Tensor& tensor) const {
  const auto letter = letter_of(id);
  if (!letter)
    fail("kwarg " + in_quotes(name) + ": " + in_quotes(id) +
         " is not an axis id (expected batch, channel, index, time, z, y or x)");
  if (tensor.axis_index(*letter) < 0)
    fail("kwarg " + in_quotes(name) + " names axis " + in_quotes(id) + ", but the tensor has axes " +
         in_quotes(tensor.axes()));
  return *letter;
}

char Kwargs::axis(std::string_view name, const Tensor& tensor) const {
  const nlohmann::json& value = require(name);
  if (!value.is_string()) fail(name, "an axis id such as \"channel\"");
  return axis_letter(name, value.get<std::string>(), tensor);
}

std::optional<std::string> Kwargs::axes(std::string_view name, const Tensor& tensor) const {
  const nlohmann::json* value = find(name);
  if (!value) return std::nullopt;
  std::vector<std::string> ids;
  if (value->is_string()) {
    const auto text = value->get<std::string>();
    if (text.size() > 1 && letter_of(text)) {
      ids.push_back(text);  // a lone 0.5 id written without a list
    } else {
      for (char c : text) ids.emplace_back(1, c);  // 0.4: one letter per axis
    }
  } else if (value->is_array()) {
    for (const auto& v : *value) {
      if (!v.is_string()) fail(name, "a list of axis ids or a string of axis letters");
      ids.push_back(v.get<std::string>());
    }
  } else {
    fail(name, "a list of axis ids or a string of axis letters");
  }
  std::string letters;
  for (const auto& id : ids) {
    const char letter = axis_letter(name, id, tensor);
    if (letters.find(letter) == std::string::npos) letters += letter;
  }
  return letters;
}

PerIndex per_index(const Kwargs& kwargs, std::string_view name, const Tensor& tensor, std::optional<double> fallback) {
  if (!kwargs.has(name) && fallback) return {0, {*fallback}};
  const std::vector<double> values = kwargs.numbers(name);
  if (values.size() == 1) return {0, values};  // a scalar, or a list of one that broadcasts

  char axis = 0;
  if (kwargs.has("axis")) {
    axis = kwargs.axis("axis", tensor);
  } else if (const auto joint = kwargs.axes("axes", tensor)) {
    // 0.4: values run along the axes not normalised jointly; batch never carries parameters.
    std::string candidates, matching;
    for (char a : tensor.axes()) {
      if (a == 'b' || joint->find(a) != std::string::npos) continue;
      candidates += a;
      if (tensor.size(a) == static_cast<std::int64_t>(values.size())) matching += a;
    }
    if (candidates.size() == 1) {
      axis = candidates[0];
    } else if (matching.size() == 1) {
      axis = matching[0];
    } else {
      kwargs.fail("cannot tell along which axis the " + std::to_string(values.size()) + " values of kwarg \"" +
                  std::string(name) + "\" run (tensor axes \"" + tensor.axes() + "\", kwarg \"axes\" \"" + *joint +
                  "\")");
    }
  } else {
    kwargs.fail("kwarg \"" + std::string(name) + "\" is a list of " + std::to_string(values.size()) +
                " values but no kwarg \"axis\" says along which axis");
  }
  const std::int64_t size = tensor.size(axis);
  if (static_cast<std::int64_t>(values.size()) != size)
    kwargs.fail("kwarg \"" + std::string(name) + "\" has " + std::to_string(values.size()) + " values but axis \"" +
                std::string(1, axis) + "\" of the tensor (axes \"" + tensor.axes() + "\") has size " +
                std::to_string(size));
  return {axis, values};
}

std::string index_axis(const PerIndex& a, const PerIndex& b) {
  if (a.axis) return std::string(1, a.axis);
  if (b.axis) return std::string(1, b.axis);
  return {};
}

}  // namespace deepimage::ops
