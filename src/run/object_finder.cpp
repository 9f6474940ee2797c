#include "run/object_finder.hpp"

#include <cmath>
#include <limits>

#include "deepimage/error.hpp"
#include "objects/label_lut.hpp"
#include "objects/measurements.hpp"
#include "objects/otsu.hpp"
#include "objects/segment.hpp"
#include "objects/size_filter.hpp"
#include "objects/star_convex.hpp"

namespace deepimage::run {
namespace fs = std::filesystem;
namespace {

using objects::Grid;

// The probability image as objects see it: which axes span one object image, which index images.
struct Layout {
  std::string axes;                 // of the file
  Shape shape;
  int channel_axis = -1;
  std::string object_axes;          // "yx" or "zyx", in the file's order of those letters
  std::vector<int> outer;           // axes indexing separate object images (t, per-slice z, ...)
  Grid grid;
  std::size_t image_count = 1;
};

Layout layout_of(const io::ImageInfo& info, const std::string& given_axes, const std::string& file, const ObjectRules& rules) {
  Layout l;
  l.shape = info.shape;
  l.axes = !given_axes.empty() ? given_axes : info.axes;
  if (l.axes.empty() && l.shape.size() == 2) l.axes = "yx";
  if (l.axes.empty())
    throw Error(ErrorCode::invalid_argument, "\"" + file + "\" does not say its axes (shape " + shape_to_string(l.shape) +
                                                 "); give them (--axes, e.g. cyx)");
  if (l.axes.size() != l.shape.size())
    throw Error(ErrorCode::invalid_argument, "axes \"" + l.axes + "\" do not fit \"" + file + "\" of shape " + shape_to_string(l.shape));
  if (l.axes.find('y') == std::string::npos || l.axes.find('x') == std::string::npos)
    throw Error(ErrorCode::invalid_argument, "\"" + file + "\" (axes " + l.axes + ") has no y and x axes to find objects in");
  const bool volume = l.axes.find('z') != std::string::npos && !rules.per_slice;
  for (std::size_t d = 0; d < l.axes.size(); ++d) {
    const char a = l.axes[d];
    if (a == 'c') l.channel_axis = static_cast<int>(d);
    else if (a == 'y' || a == 'x' || (a == 'z' && volume)) l.object_axes += a;
    else l.outer.push_back(static_cast<int>(d));
  }
  const std::int64_t channels = l.channel_axis >= 0 ? l.shape[static_cast<std::size_t>(l.channel_axis)] : 1;
  if (rules.channel < 0 || rules.channel >= channels)
    throw Error(ErrorCode::invalid_argument, "channel " + std::to_string(rules.channel) + " of \"" + file + "\" does not exist (it has " +
                                                 std::to_string(channels) + (channels == 1 ? " channel" : " channels") + ", 0-based)");
  const auto size = [&](char a) { return l.shape[l.axes.find(a)]; };
  l.grid = {.depth = volume ? size('z') : 1, .height = size('y'), .width = size('x')};
  for (int d : l.outer) l.image_count *= static_cast<std::size_t>(l.shape[static_cast<std::size_t>(d)]);
  return l;
}

// The position of object image `index` along each outer axis (in file order, the last fastest).
std::vector<std::int64_t> outer_position(const Layout& l, std::size_t index) {
  std::vector<std::int64_t> at(l.outer.size());
  for (std::size_t k = l.outer.size(); k-- > 0;) {
    const auto n = static_cast<std::size_t>(l.shape[static_cast<std::size_t>(l.outer[k])]);
    at[k] = static_cast<std::int64_t>(index % n), index /= n;
  }
  return at;
}

// The box of object image `index`, `channel` alone.
Box image_box(const Layout& l, std::size_t index, std::int64_t channel) {
  Box box{Shape(l.shape.size(), 0), l.shape};
  const std::vector<std::int64_t> at = outer_position(l, index);
  for (std::size_t k = 0; k < at.size(); ++k) {
    const auto d = static_cast<std::size_t>(l.outer[k]);
    box.begin[d] = at[k], box.end[d] = at[k] + 1;
  }
  if (l.channel_axis >= 0) {
    const auto c = static_cast<std::size_t>(l.channel_axis);
    box.begin[c] = channel, box.end[c] = channel + 1;
  }
  return box;
}

// `axes` reordered so that the object axes come last, as z, y, x: the order of an object image's values
// (the other axes have size 1 in a box of one object image).
std::string object_order(const std::string& axes, const std::string& object_axes) {
  std::string order;
  for (char a : axes)
    if (object_axes.find(a) == std::string::npos) order += a;
  for (char a : std::string("zyx"))
    if (object_axes.find(a) != std::string::npos) order += a;
  return order;
}

// `pixels` (a box of the file: size 1 on every axis but the object axes) as floats in z, y, x order.
// `axes`: the image's (a source that does not say them, .npy or an array, reads tensors without).
std::vector<float> object_values(Tensor pixels, const std::string& axes, const std::string& object_axes) {
  pixels.set_axes(axes);
  const Tensor t = pixels.transposed(object_order(axes, object_axes)).converted(DType::f32);
  const float* p = t.data<float>();
  return std::vector<float>(p, p + t.element_count());
}

// The intensity image, read under each object image: every channel, the same y, x (and z) and outer
// indices (an outer axis it lacks is shared by all).
class IntensityImage {
 public:
  IntensityImage(const io::ImageSource& source, const Layout& prob, const std::string& prob_file) : source_(source) {
    const io::ImageInfo& info = source_.info();
    const fs::path& path = source_.path();
    axes_ = info.axes;
    if (axes_.empty() && info.shape.size() == 2) axes_ = "yx";
    if (axes_.empty())
      throw Error(ErrorCode::invalid_argument, "intensity image \"" + path.string() + "\" does not say its axes (shape " +
                                                   shape_to_string(info.shape) + ")");
    for (std::size_t d = 0; d < axes_.size(); ++d) {
      const char a = axes_[d];
      if (a == 'c') {
        channels_ = info.shape[d];
        continue;
      }
      const auto at = prob.axes.find(a);
      if (at == std::string::npos || prob.shape[at] != info.shape[d])
        throw Error(ErrorCode::invalid_argument, "intensity image \"" + path.string() + "\" (" + axes_ + " " + shape_to_string(info.shape) +
                                                     ") does not match \"" + prob_file + "\" (" + prob.axes + " " +
                                                     shape_to_string(prob.shape) + ") along " + std::string(1, a));
    }
    for (char a : prob.object_axes)
      if (axes_.find(a) == std::string::npos)
        throw Error(ErrorCode::invalid_argument, "intensity image \"" + path.string() + "\" (" + axes_ + ") has no " + std::string(1, a) +
                                                     " axis, which the objects of \"" + prob_file + "\" span");
  }
  std::int64_t channels() const { return channels_; }
  // Channel-major values of object image `box` (a box of the probability image).
  std::vector<float> read(const Layout& prob, const Box& prob_box) const {
    std::vector<float> all;
    for (std::int64_t c = 0; c < channels_; ++c) {
      Box box{Shape(axes_.size(), 0), source_.info().shape};
      for (std::size_t d = 0; d < axes_.size(); ++d) {
        if (axes_[d] == 'c') {
          box.begin[d] = c, box.end[d] = c + 1;
          continue;
        }
        const auto at = prob.axes.find(axes_[d]);
        box.begin[d] = prob_box.begin[at], box.end[d] = prob_box.end[at];
      }
      Tensor t = source_.read(box);
      const std::vector<float> v = object_values(std::move(t), axes_, prob.object_axes);
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  }

 private:
  const io::ImageSource& source_;
  std::string axes_;
  std::int64_t channels_ = 1;
};

// Otsu over every pixel of the channel, in two passes (min and max, then the histogram).
double otsu_over(const io::ImageSource& source, const Layout& l, std::int64_t channel) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t i = 0; i < l.image_count; ++i)
    for (float v : object_values(source.read(image_box(l, i, channel)), l.axes, l.object_axes))
      if (!std::isnan(v)) lo = std::min(lo, static_cast<double>(v)), hi = std::max(hi, static_cast<double>(v));
  if (!(lo <= hi)) throw Error(ErrorCode::invalid_argument, "\"" + source.path().string() + "\" has no value to threshold (every pixel is NaN)");
  objects::OtsuHistogram histogram(lo, hi, !is_float(source.info().dtype));
  for (std::size_t i = 0; i < l.image_count; ++i) histogram.add(object_values(source.read(image_box(l, i, channel)), l.axes, l.object_axes));
  return histogram.threshold();
}

// The table's columns, and each object's row.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;
};

// Column names: outer axes, label, size, centroid and box in pixels, the same calibrated (when the
// image has a unit), then mean/min/max per intensity channel.
std::vector<std::string> table_columns(const Layout& l, const std::optional<io::Calibration>& cal, std::int64_t channels, bool intensity) {
  std::vector<std::string> c;
  for (int d : l.outer) c.push_back(std::string(1, l.axes[static_cast<std::size_t>(d)]));
  c.push_back("label");
  const bool volume = l.object_axes.find('z') != std::string::npos;
  c.push_back(volume ? "volume_px" : "area_px");
  std::string dims = volume ? "xyz" : "xy";
  for (char a : dims) c.push_back(std::string("centroid_") + a);
  for (char a : dims) c.push_back(std::string("bbox_") + a + "0");
  for (char a : dims) c.push_back(std::string("bbox_") + a + "1");
  if (cal && cal->spatial && !cal->unit.empty()) {
    c.push_back((volume ? "volume_" : "area_") + cal->unit + (volume ? "3" : "2"));
    for (char a : dims) c.push_back(std::string("centroid_") + a + "_" + cal->unit);
  }
  if (intensity)
    for (std::int64_t k = 0; k < channels; ++k) {
      const std::string suffix = channels == 1 ? "" : "_c" + std::to_string(k);
      for (const char* m : {"mean", "min", "max"}) c.push_back(m + suffix);
    }
  return c;
}

void add_rows(Table& table, const Layout& l, std::size_t index, const std::vector<objects::ObjectMeasurement>& measured,
              const std::optional<io::Calibration>& cal, bool intensity) {
  const std::vector<std::int64_t> at = outer_position(l, index);
  const std::vector<double> outer(at.begin(), at.end());
  const bool volume = l.object_axes.find('z') != std::string::npos;
  const bool calibrated = cal && cal->spatial && !cal->unit.empty();
  for (const auto& m : measured) {
    std::vector<double> row = outer;
    row.push_back(m.label);
    row.push_back(static_cast<double>(m.size));
    // measurements are z, y, x; the table says x, y (, z)
    const std::vector<std::size_t> dims = volume ? std::vector<std::size_t>{2, 1, 0} : std::vector<std::size_t>{2, 1};
    for (auto d : dims) row.push_back(m.centroid[d]);
    for (auto d : dims) row.push_back(static_cast<double>(m.begin[d]));
    for (auto d : dims) row.push_back(static_cast<double>(m.end[d]));
    if (calibrated) {
      const std::array<double, 3> size{cal->z, cal->y, cal->x};
      row.push_back(static_cast<double>(m.size) * size[1] * size[2] * (volume ? size[0] : 1.0));
      for (auto d : dims) row.push_back(m.centroid[d] * size[d]);
    }
    if (intensity)
      for (std::size_t c = 0; c < m.mean.size(); ++c) row.insert(row.end(), {m.mean[c], m.min[c], m.max[c]});
    table.rows.push_back(std::move(row));
  }
}

}  // namespace

struct ObjectFinder::State {
  const io::ImageSource& source;
  ResolvedObjectRules resolved;
  Layout layout;
  std::optional<IntensityImage> intensity;
  std::int64_t channels = 1;
  double threshold = 0;  // the rules', or Otsu's over the whole image
  std::array<double, 3> spacing{1.0, 1.0, 1.0};
  objects::SphereRays sphere_rays;
  io::ImageInfo label_info;
};

ObjectFinder::ObjectFinder(const io::ImageSource& source, const std::string& axes, const io::ImageSource* intensity, const ObjectRules& given,
                           const std::optional<StarConvexSpec>& model)
    : state_(new State{.source = source, .resolved = resolve_object_rules(given, model)}) {
  State& s = *state_;
  const ObjectRules& rules = s.resolved.rules;
  const std::string file = source.path().string();
  s.layout = layout_of(source.info(), axes, file, rules);
  const Layout& l = s.layout;
  const std::optional<io::Calibration>& cal = source.info().calibration;
  objects::connectivity_steps(rules.connectivity, l.grid.rank());  // a bad one fails before any work
  s.channels = l.channel_axis >= 0 ? l.shape[static_cast<std::size_t>(l.channel_axis)] : 1;
  const std::int64_t least_rays = l.grid.depth > 1 ? 4 : 3;
  if (*rules.star_convex && s.channels < least_rays + 1)
    throw Error(ErrorCode::invalid_argument, "star-convex objects need a probability channel and at least " + std::to_string(least_rays) +
                                                 " ray distances (channels) in " + (l.grid.depth > 1 ? "3D" : "2D") + ": \"" + file +
                                                 "\" has " + std::to_string(s.channels) + " channel(s)" +
                                                 (given.star_convex ? "" : " (the model is a StarDist model, config.stardist in its rdf)"));
  if (intensity) s.intensity.emplace(*intensity, l, file);
  if (cal && cal->spatial && cal->x > 0 && cal->y > 0 && cal->z > 0) s.spacing = {cal->z / cal->x, cal->y / cal->x, 1.0};
  // 3D star-convex objects: StarDist's golden-spiral rays, stretched by the anisotropy the model was
  // trained with (given, or the voxel size ratio, which it usually is; the bioimage.io rdf lacks it).
  if (*rules.star_convex && l.grid.depth > 1)
    s.sphere_rays = objects::golden_spiral_rays(static_cast<int>(s.channels - 1), rules.anisotropy.value_or(s.spacing));

  // The label image: the probability image without its channel axis.
  for (std::size_t d = 0; d < l.axes.size(); ++d)
    if (static_cast<int>(d) != l.channel_axis) s.label_info.axes += l.axes[d], s.label_info.shape.push_back(l.shape[d]);
  io::Calibration label_cal = cal.value_or(io::Calibration{.spatial = false});
  label_cal.display_mode.clear();
  label_cal.channel_names.clear();
  const auto& lut = objects::label_lut();
  label_cal.lut.assign(lut.begin(), lut.end());
  s.label_info.calibration = label_cal;
  s.threshold = rules.otsu ? otsu_over(source, l, rules.channel) : *rules.threshold;
}

ObjectFinder::~ObjectFinder() = default;

const io::ImageInfo& ObjectFinder::label_info() const { return state_->label_info; }

ObjectsReport ObjectFinder::run(std::uint32_t most_labels, const std::function<void(const Box&, const Tensor&)>& write) const {
  const State& s = *state_;
  const ObjectRules& rules = s.resolved.rules;
  const Layout& l = s.layout;
  const std::optional<io::Calibration>& cal = s.source.info().calibration;
  const bool star_convex = *rules.star_convex;
  ObjectsReport report;
  report.otsu = rules.otsu;
  report.threshold = s.threshold;
  report.star_convex = star_convex;
  report.nms = *rules.nms;
  if (s.resolved.from_model) report.rules_from = "config.stardist";

  Table table;
  table.columns = table_columns(l, cal, s.intensity ? s.intensity->channels() : 0, s.intensity.has_value());
  for (std::size_t i = 0; i < l.image_count; ++i) {
    const Box box = image_box(l, i, rules.channel);
    const std::vector<float> values = object_values(s.source.read(box), l.axes, l.object_axes);
    objects::Labels labels;
    if (star_convex) {
      std::vector<float> distances;
      for (std::int64_t c = 0; c < s.channels; ++c) {
        if (c == rules.channel) continue;
        const std::vector<float> ray = object_values(s.source.read(image_box(l, i, c)), l.axes, l.object_axes);
        distances.insert(distances.end(), ray.begin(), ray.end());
      }
      labels = l.grid.depth > 1
                   ? objects::star_convex_polyhedra(values, distances, l.grid, s.sphere_rays, report.threshold, report.nms)
                   : objects::star_convex_objects(values, distances, l.grid, static_cast<int>(s.channels - 1), report.threshold, report.nms);
      objects::filter_by_size(labels, rules.min_size, rules.max_size);
    } else {
      labels = objects::segment(values, l.grid, report.threshold, rules, s.spacing);
    }
    if (labels.count > most_labels) throw TooManyLabels{labels.count};
    report.object_count += labels.count;
    const std::vector<float> measured_values = s.intensity ? s.intensity->read(l, box) : std::vector<float>{};
    add_rows(table, l, i,
             objects::measure_objects(labels, l.grid, measured_values, s.intensity ? static_cast<std::size_t>(s.intensity->channels()) : 0),
             cal, s.intensity.has_value());
    // The labels in the label image's axis order: the box without its channel axis.
    Box label_box;
    for (std::size_t d = 0; d < l.axes.size(); ++d)
      if (static_cast<int>(d) != l.channel_axis) label_box.begin.push_back(box.begin[d]), label_box.end.push_back(box.end[d]);
    const std::string order = object_order(s.label_info.axes, l.object_axes);
    Shape ordered_shape;
    for (char a : order) ordered_shape.push_back(label_box.extent(s.label_info.axes.find(a)));
    write(label_box, Tensor::borrow(labels.values.data(), DType::u32, ordered_shape, order).transposed(s.label_info.axes));
  }
  report.label_axes = s.label_info.axes;
  report.object_axes = l.object_axes;
  report.image_count = l.image_count;
  report.columns = std::move(table.columns);
  report.rows = std::move(table.rows);
  return report;
}

}  // namespace deepimage::run
