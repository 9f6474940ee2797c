// Kwargs — typed access to one op's rdf `kwargs`, with errors that name the op and the kwarg.
//
//   Kwargs kw("scale_linear", kwargs_of(spec));   // model/spec_json.hpp
//   double eps = kw.number_or("eps", 1e-6);
//   PerIndex gain = per_index(kw, "gain", tensor, 1.0);   // a number, or one per channel
//
// Accepts both rdf forms: 0.5 (`axes: [x, y]`, `axis: channel`) and 0.4 (`axes: yx`, lists along the
// axes left out of `axes`). Every problem is a bad_model error:
//   scale_linear: kwarg "gain": expected a number or a list of numbers, got "abc"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "deepimage/tensor.hpp"

namespace deepimage::ops {

class Kwargs {
 public:
  Kwargs(std::string op, const nlohmann::json& kwargs);

  const std::string& op() const { return op_; }
  // Present and not null.
  bool has(std::string_view name) const;

  double number(std::string_view name) const;
  double number_or(std::string_view name, double fallback) const;
  std::optional<double> optional_number(std::string_view name) const;
  // One number or a list of numbers (a number becomes a list of one).
  std::vector<double> numbers(std::string_view name) const;
  std::string string(std::string_view name) const;
  std::string string_or(std::string_view name, std::string fallback) const;

  // One axis id (0.5 "channel", or a letter) that `tensor` must have.
  char axis(std::string_view name, const Tensor& tensor) const;
  // Axis letters of a 0.5 list of ids or a 0.4 string ("cyx"), each checked against `tensor`;
  // nullopt when absent.
  std::optional<std::string> axes(std::string_view name, const Tensor& tensor) const;

  // "<op>: kwarg "<name>": expected <expected>, got <value as written>"
  [[noreturn]] void fail(std::string_view name, std::string_view expected) const;
  // "<op>: <message>"
  [[noreturn]] void fail(const std::string& message) const;

 private:
  const nlohmann::json* find(std::string_view name) const;
  const nlohmann::json& require(std::string_view name) const;
  char axis_letter(std::string_view name, std::string_view id, const Tensor& tensor) const;

  std::string op_;
  const nlohmann::json* kwargs_;
};

// A kwarg that is one number for the whole tensor, or one number per index along an axis:
// the 0.5 `axis` kwarg, or in 0.4 the one non-batch axis that `axes` leaves out.
struct PerIndex {
  char axis = 0;               // 0 when one value applies everywhere
  std::vector<double> values;  // one value, or one per index along `axis`
  double at(std::int64_t index) const { return axis ? values[static_cast<std::size_t>(index)] : values[0]; }
};
PerIndex per_index(const Kwargs& kwargs, std::string_view name, const Tensor& tensor,
                   std::optional<double> fallback = std::nullopt);
// The axis (as a string of one letter, or empty) that parameters read together run along; when
// both are lists, per_index has already checked they run along the same axis.
std::string index_axis(const PerIndex& a, const PerIndex& b = {});

}  // namespace deepimage::ops
