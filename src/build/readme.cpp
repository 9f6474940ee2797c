#include "build/readme.hpp"
#include "model/spec_json.hpp"

#include <sstream>

namespace deepimage::build {
namespace {

std::string size_text(const AxisSpec& a) {
  switch (a.size.kind) {
    case AxisSize::Kind::fixed: return std::to_string(a.size.value);
    case AxisSize::Kind::parameterized:
      return std::to_string(a.size.min) + " + n * " + std::to_string(a.size.step);
    case AxisSize::Kind::reference: {
      std::ostringstream s;
      s << a.size.ref_tensor << "." << a.size.ref_axis;
      if (a.size.factor != 1) s << " * " << a.size.factor;
      if (a.size.offset != 0) s << (a.size.offset > 0 ? " + " : " - ") << std::abs(a.size.offset);
      return s.str();
    }
  }
  return "";
}

void describe(std::ostringstream& md, const TensorSpec& t, bool is_input) {
  md << "- `" << t.id << "` (" << (is_input ? "input" : "output") << "), axes `" << t.axes_string() << "`, "
     << to_string(t.data_type);
  for (const AxisSpec& a : t.axes) {
    if (a.type == AxisType::batch) continue;
    if (a.type == AxisType::channel) md << "; " << a.size.value << " channel(s)";
    else md << "; " << a.id << ": " << size_text(a);
    if (a.halo) md << " (halo " << a.halo << ")";
  }
  const std::vector<OpSpec>& ops = is_input ? t.preprocessing : t.postprocessing;
  if (!ops.empty()) {
    md << "; " << (is_input ? "preprocessing" : "postprocessing") << ":";
    for (const OpSpec& op : ops) {
      const nlohmann::json kwargs = kwargs_of(op);
      md << " `" << op.id << (kwargs.empty() ? "" : " " + kwargs.dump()) << "`";
    }
  }
  md << "\n";
}

}  // namespace

std::string generated_readme(const ModelSpec& spec) {
  std::ostringstream md;
  md << "# " << spec.name << "\n\n" << spec.description << "\n\n![example input and output](cover.png)\n\n";
  md << "## Tensors\n\n";
  for (const TensorSpec& t : spec.inputs) describe(md, t, true);
  for (const TensorSpec& t : spec.outputs) describe(md, t, false);
  md << "\nWeights: " << spec.weights.at(0).format << " (`" << spec.weights.at(0).source << "`).\n\n";
  md << "## Usage\n\n```\ndeepimage run <this bundle> image.tif -o result.tif\ndeepimage test <this bundle>\n```\n\n";
  md << "## Authors\n\n";
  for (const Author& a : spec.authors)
    md << "- " << a.name << (a.affiliation.empty() ? "" : ", " + a.affiliation)
       << (a.github_user.empty() ? "" : " (@" + a.github_user + ")") << "\n";
  md << "\n## Citation\n\n";
  for (const Citation& c : spec.cite)
    md << "- " << c.text << (c.doi.empty() ? "" : " doi:" + c.doi) << (c.url.empty() ? "" : " " + c.url) << "\n";
  md << "\nLicense: " << spec.license << "\n";
  return md.str();
}

}  // namespace deepimage::build
