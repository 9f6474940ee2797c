#include "object_rule_options.hpp"

#include <cmath>
#include <sstream>

namespace deepimage::cli {

ObjectRuleOptions::ObjectRuleOptions(CLI::App* cmd, const std::string& group) {
  ObjectRules& r = *rules_;
  const auto add = [&](CLI::Option* o) { options_.push_back(o->group(group)); };
  add(cmd->add_option("--threshold", *threshold_,
                      "Foreground is value > THRESHOLD: a number, or otsu (Otsu's threshold over the whole image); default: a "
                      "StarDist model's probability threshold, else 0.5"));
  add(cmd->add_option("--object-channel", r.channel, "Channel of the probability image to threshold (0-based; default 0)")
          ->check(CLI::NonNegativeNumber));
  add(cmd->add_flag("--fill-holes", r.fill_holes, "Fill holes in objects (background they enclose)"));
  add(cmd->add_option("--connectivity", r.connectivity, "Neighbours that connect pixels: 4 or 8 in 2D, 6, 18 or 26 in 3D (default 8, 26)")
          ->check(CLI::IsMember({4, 8, 6, 18, 26})));
  add(cmd->add_flag("--split", r.split, "Split touching objects: seeded watershed on the distance transform"));
  add(cmd->add_option("--split-depth", r.split_depth,
                      "Seeds of --split: distance peaks at least this many pixels above the saddle to a higher one (default 0.5, as ImageJ's Binary > Watershed)")
          ->check(CLI::PositiveNumber));
  add(cmd->add_option("--min-size", r.min_size, "Drop objects of fewer pixels (voxels in 3D)"));
  add(cmd->add_option("--max-size", r.max_size, "Drop objects of more pixels (voxels in 3D); 0: no limit"));
  add(cmd->add_flag("--per-slice", r.per_slice, "In a z stack, find objects in each slice (2D) rather than in the volume (3D)"));
  add(cmd->add_flag_function(
      "--star-convex,!--no-star-convex", [&r](std::int64_t count) { r.star_convex = count > 0; },
      "StarDist-style output: the object channel is the probability, the other channels ray distances; polygons with "
      "non-maximum suppression. Default: as the model says (a StarDist model's rdf has config.stardist), else not"));
  add(cmd->add_option("--anisotropy", *anisotropy_,
                      "3D star-convex objects: the anisotropy Z,Y,X the StarDist 3D model was trained with (e.g. 2,1,1); "
                      "default: the image's voxel size ratio"));
  add(cmd->add_option_function<double>(
             "--nms", [&r](double v) { r.nms = v; },
             "Star-convex objects: drop polygons covered by a more probable one for more than this part of the smaller one "
             "(default: the StarDist model's, else 0.4)")
          ->check(CLI::Range(0.0, 1.0)));
}

ObjectRules ObjectRuleOptions::rules() const {
  ObjectRules r = *rules_;
  if (!anisotropy_->empty()) {
    std::array<double, 3> a{};
    std::stringstream text(*anisotropy_);
    std::string part;
    std::size_t n = 0;
    for (; n < 4 && std::getline(text, part, ','); ++n) {
      std::size_t used = 0;
      double v = 0;
      try {
        v = std::stod(part, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (n == 3 || used == 0 || used != part.size() || !(v > 0) || !std::isfinite(v))
        throw CLI::ValidationError("--anisotropy", "\"" + *anisotropy_ + "\" is not three positive numbers Z,Y,X");
      a[n] = v;
    }
    if (n != 3) throw CLI::ValidationError("--anisotropy", "\"" + *anisotropy_ + "\" is not three positive numbers Z,Y,X");
    r.anisotropy = a;
  }
  if (threshold_->empty()) return r;  // the model's, else 0.5
  if (!read_threshold(*threshold_, r))
    throw CLI::ValidationError("--threshold", "\"" + *threshold_ + "\" is not a number or otsu");
  return r;
}

std::string ObjectRuleOptions::given() const {
  std::string names;
  for (const CLI::Option* o : options_)
    if (o->count() > 0) names += (names.empty() ? "" : ", ") + o->get_name();
  return names;
}

std::string rules_used(const ObjectsReport& r) {
  std::ostringstream s;
  s << (r.star_convex ? "star-convex, " : "") << "threshold " << r.threshold << (r.otsu ? ", Otsu" : "");
  if (r.star_convex) s << ", nms " << r.nms;
  if (!r.rules_from.empty()) s << " from " << r.rules_from;
  return s.str();
}

}  // namespace deepimage::cli
