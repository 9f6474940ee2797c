// The text of `deepimage info --architecture` (include/deepimage/architecture.hpp), shared with the
// web app's model card.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "deepimage/architecture.hpp"

namespace deepimage {
namespace {

// 12345678 -> "12,345,678"
std::string grouped(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), s;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return (n < 0 ? "-" : "") + s;
}

// 12345678901 -> "12.35 G"
std::string scaled(std::int64_t n) {
  const char* units[] = {"", " k", " M", " G", " T", " P"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000.0 && u < 5) v /= 1000.0, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f%s" : "%.2f%s", v, units[u]);
  return buf;
}

std::string shape_text(const Shape& s) {
  std::string t = "(";
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + (s[i] < 0 ? std::string("?") : std::to_string(s[i]));
  return t + ")";
}

}  // namespace

// A table like torchinfo's summary: one row per layer, then the totals.
std::string to_text(const Architecture& a) {
  std::ostringstream text;
  std::string inputs;
  for (std::size_t i = 0; i < a.input_shapes.size(); ++i)
    inputs += (i ? ", " : "") + a.input_ids[i] + " " + shape_text(a.input_shapes[i]);
  text << a.weights_format << " weights, one row per " << (a.view == "modules" ? "leaf module call or operator"
                                                                : a.view == "nodes"  ? "graph node"
                                                                                     : "operator")
       << ", shapes for input " << inputs << "\n";
  struct Row {
    std::string layer, shape, params, flops;
  };
  std::vector<Row> rows = {{"Layer (kind)", "Output shape", "Params", "FLOPs"}};
  for (const LayerInfo& l : a.layers) {
    std::string shapes;
    for (const Shape& s : l.output_shapes) shapes += (shapes.empty() ? "" : " ") + shape_text(s);
    rows.push_back({(l.name.empty() ? "-" : l.name) + " (" + l.kind + ")", shapes, grouped(l.params),
                    l.flops ? scaled(l.flops) : "-"});
  }
  std::size_t w0 = 0, w1 = 0, w2 = 0;
  for (const Row& r : rows) w0 = std::max(w0, r.layer.size()), w1 = std::max(w1, r.shape.size()), w2 = std::max(w2, r.params.size());
  const std::string rule(w0 + w1 + w2 + 18, '=');
  text << rule << "\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    text << r.layer << std::string(w0 - r.layer.size() + 2, ' ') << r.shape << std::string(w1 - r.shape.size() + 2, ' ')
         << std::string(w2 - r.params.size(), ' ') << r.params << "  " << r.flops << "\n";
    if (i == 0) text << rule << "\n";
  }
  text << rule << "\n"
       << "Total params: " << grouped(a.total_params) << "\n"
       << "Total FLOPs: " << grouped(a.total_flops) << " (" << scaled(a.total_flops)
       << "; a multiply-add is 2 FLOPs; convolutions and matrix products only)\n";
  return text.str();
}

}  // namespace deepimage
