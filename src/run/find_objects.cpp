// find_objects (include/deepimage/objects.hpp): the file side of instance post-processing. The
// probability image is read one plane or volume at a time (twice with Otsu: its min/max and histogram
// come from the whole image first); each is segmented (src/objects), measured against the intensity
// image, and written into the label image by region. Label image and table are written through
// temporary files, so a failure leaves neither.
#include <chrono>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

#include "deepimage/error.hpp"
#include "deepimage/objects.hpp"
#include "io/image_region.hpp"
#include "io/temp_file.hpp"
#include "objects/label_lut.hpp"
#include "objects/measurements.hpp"
#include "objects/otsu.hpp"
#include "objects/segment.hpp"
#include "objects/size_filter.hpp"
#include "objects/star_convex.hpp"
#include "run/image_stem.hpp"

namespace deepimage {
namespace fs = std::filesystem;
namespace {

using objects::Grid;

// Labels past this count in one image need the 32-bit (float) label image: ImageJ has no 32-bit integer
// type, and its float holds every integer up to 2^24 exactly.
constexpr std::uint32_t kMost16BitLabels = 65535;
constexpr std::uint32_t kMostFloatLabels = 16777216;

fs::path beside(const fs::path& p, const std::string& suffix) {
  const fs::path file = p.has_filename() ? p : p.parent_path();  // "cells.ome.zarr/"
  return file.parent_path() / (run::image_stem(file) + suffix);
}

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

Layout layout_of(const io::ImageInfo& info, const std::string& given_axes, const FindObjectsOptions& o) {
  Layout l;
  l.shape = info.shape;
  l.axes = !given_axes.empty() ? given_axes : info.axes;
  const std::string file = o.probability.string();
  if (l.axes.empty() && l.shape.size() == 2) l.axes = "yx";
  if (l.axes.empty())
    throw Error(ErrorCode::invalid_argument, "\"" + file + "\" does not say its axes (shape " + shape_to_string(l.shape) +
                                                 "); give them (--axes, e.g. cyx)");
  if (l.axes.size() != l.shape.size())
    throw Error(ErrorCode::invalid_argument, "axes \"" + l.axes + "\" do not fit \"" + file + "\" of shape " + shape_to_string(l.shape));
  if (l.axes.find('y') == std::string::npos || l.axes.find('x') == std::string::npos)
    throw Error(ErrorCode::invalid_argument, "\"" + file + "\" (axes " + l.axes + ") has no y and x axes to find objects in");
  const bool volume = l.axes.find('z') != std::string::npos && !o.rules.per_slice;
  for (std::size_t d = 0; d < l.axes.size(); ++d) {
    const char a = l.axes[d];
    if (a == 'c') l.channel_axis = static_cast<int>(d);
    else if (a == 'y' || a == 'x' || (a == 'z' && volume)) l.object_axes += a;
    else l.outer.push_back(static_cast<int>(d));
  }
  const std::int64_t channels = l.channel_axis >= 0 ? l.shape[static_cast<std::size_t>(l.channel_axis)] : 1;
  if (o.rules.channel < 0 || o.rules.channel >= channels)
    throw Error(ErrorCode::invalid_argument, "channel " + std::to_string(o.rules.channel) + " of \"" + file + "\" does not exist (it has " +
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
std::vector<float> object_values(const Tensor& pixels, const std::string& object_axes) {
  const Tensor t = pixels.transposed(object_order(pixels.axes(), object_axes)).converted(DType::f32);
  const float* p = t.data<float>();
  return std::vector<float>(p, p + t.element_count());
}

// The intensity image, read under each object image: every channel, the same y, x (and z) and outer
// indices (an outer axis it lacks is shared by all).
class IntensityImage {
 public:
  IntensityImage(const fs::path& path, const Layout& prob, const std::string& prob_file) : source_(io::open_image(path)) {
    const io::ImageInfo& info = source_->info();
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
      Box box{Shape(axes_.size(), 0), source_->info().shape};
      for (std::size_t d = 0; d < axes_.size(); ++d) {
        if (axes_[d] == 'c') {
          box.begin[d] = c, box.end[d] = c + 1;
          continue;
        }
        const auto at = prob.axes.find(axes_[d]);
        box.begin[d] = prob_box.begin[at], box.end[d] = prob_box.end[at];
      }
      Tensor t = source_->read(box);
      const std::vector<float> v = object_values(t, prob.object_axes);
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  }

 private:
  std::unique_ptr<io::ImageSource> source_;
  std::string axes_;
  std::int64_t channels_ = 1;
};

// Otsu over every pixel of the channel, in two passes (min and max, then the histogram).
double otsu_over(const io::ImageSource& source, const Layout& l, std::int64_t channel) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t i = 0; i < l.image_count; ++i)
    for (float v : object_values(source.read(image_box(l, i, channel)), l.object_axes))
      if (!std::isnan(v)) lo = std::min(lo, static_cast<double>(v)), hi = std::max(hi, static_cast<double>(v));
  if (!(lo <= hi)) throw Error(ErrorCode::invalid_argument, "\"" + source.path().string() + "\" has no value to threshold (every pixel is NaN)");
  objects::OtsuHistogram histogram(lo, hi, !is_float(source.info().dtype));
  for (std::size_t i = 0; i < l.image_count; ++i) histogram.add(object_values(source.read(image_box(l, i, channel)), l.object_axes));
  return histogram.threshold();
}

std::string number(double v) {
  std::ostringstream s;
  s << std::setprecision(9) << v;
  return s.str();
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

std::string csv(const Table& table) {
  std::string text;
  for (std::size_t k = 0; k < table.columns.size(); ++k) text += (k ? "," : "") + table.columns[k];
  text += "\n";
  for (const auto& row : table.rows) {
    for (std::size_t k = 0; k < row.size(); ++k) text += (k ? "," : "") + number(row[k]);
    text += "\n";
  }
  return text;
}

struct TooManyFor16Bits {};

}  // namespace

fs::path default_labels_path(const fs::path& probability) { return beside(probability, "_labels.tif"); }
fs::path default_table_path(const fs::path& probability) { return beside(probability, "_objects.csv"); }

ObjectsReport find_objects(const FindObjectsOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  ObjectsReport report;
  const fs::path labels_path = o.labels.empty() ? default_labels_path(o.probability) : o.labels;
  const fs::path table_path = o.table.empty() ? default_table_path(o.probability) : o.table;
  for (const fs::path& out : {labels_path, table_path}) {
    if (fs::exists(out) && !o.overwrite)
      throw Error(ErrorCode::invalid_argument, "output \"" + out.string() + "\" exists (use --overwrite to replace it)");
    io::check_output_folder(out);
  }
  if (labels_path == table_path) throw Error(ErrorCode::invalid_argument, "the label image and the table are both \"" + labels_path.string() + "\"");
  const ResolvedObjectRules resolved = resolve_object_rules(o.rules, o.model);
  const ObjectRules& rules = resolved.rules;
  const auto source = io::open_image(o.probability);
  const Layout l = layout_of(source->info(), o.axes, o);
  const std::optional<io::Calibration>& cal = source->info().calibration;
  objects::connectivity_steps(rules.connectivity, l.grid.rank());  // a bad one fails before any work
  const std::int64_t channels = l.channel_axis >= 0 ? l.shape[static_cast<std::size_t>(l.channel_axis)] : 1;
  const bool star_convex = *rules.star_convex;
  const std::int64_t least_rays = l.grid.depth > 1 ? 4 : 3;
  if (star_convex && channels < least_rays + 1)
    throw Error(ErrorCode::invalid_argument, "star-convex objects need a probability channel and at least " + std::to_string(least_rays) +
                                                 " ray distances (channels) in " + (l.grid.depth > 1 ? "3D" : "2D") + ": \"" +
                                                 o.probability.string() + "\" has " + std::to_string(channels) + " channel(s)" +
                                                 (o.rules.star_convex ? "" : " (the model is a StarDist model, config.stardist in its rdf)"));
  std::optional<IntensityImage> intensity;
  if (!o.intensity.empty()) intensity.emplace(o.intensity, l, o.probability.string());

  report.otsu = rules.otsu;
  report.threshold = rules.otsu ? otsu_over(*source, l, rules.channel) : *rules.threshold;
  report.star_convex = star_convex;
  report.nms = *rules.nms;
  if (resolved.from_model) report.rules_from = "config.stardist";
  std::array<double, 3> spacing{1.0, 1.0, 1.0};
  if (cal && cal->spatial && cal->x > 0 && cal->y > 0 && cal->z > 0) spacing = {cal->z / cal->x, cal->y / cal->x, 1.0};
  // 3D star-convex objects: StarDist's golden-spiral rays, stretched by the voxel size ratio (the
  // anisotropy StarDist 3D models are trained with, which their bioimage.io rdf does not carry).
  const objects::SphereRays sphere_rays =
      star_convex && l.grid.depth > 1 ? objects::golden_spiral_rays(static_cast<int>(channels - 1), spacing) : objects::SphereRays{};

  // The label image: the probability image without its channel axis.
  io::ImageInfo label_info;
  for (std::size_t d = 0; d < l.axes.size(); ++d)
    if (static_cast<int>(d) != l.channel_axis) label_info.axes += l.axes[d], label_info.shape.push_back(l.shape[d]);
  io::Calibration label_cal = cal.value_or(io::Calibration{.spatial = false});
  label_cal.display_mode.clear();
  label_cal.channel_names.clear();
  const auto& lut = objects::label_lut();
  label_cal.lut.assign(lut.begin(), lut.end());
  label_info.calibration = label_cal;

  Table table;
  table.columns = table_columns(l, cal, intensity ? intensity->channels() : 0, intensity.has_value());
  for (DType label_type : {DType::u16, DType::f32}) {
    table.rows.clear();
    report.object_count = 0;
    label_info.dtype = label_type;
    try {
      auto sink = io::create_image(labels_path, label_info);
      for (std::size_t i = 0; i < l.image_count; ++i) {
        const Box box = image_box(l, i, rules.channel);
        const std::vector<float> values = object_values(source->read(box), l.object_axes);
        objects::Labels labels;
        if (star_convex) {
          std::vector<float> distances;
          for (std::int64_t c = 0; c < channels; ++c) {
            if (c == rules.channel) continue;
            const std::vector<float> ray = object_values(source->read(image_box(l, i, c)), l.object_axes);
            distances.insert(distances.end(), ray.begin(), ray.end());
          }
          labels = l.grid.depth > 1
                       ? objects::star_convex_polyhedra(values, distances, l.grid, sphere_rays, report.threshold, report.nms)
                       : objects::star_convex_objects(values, distances, l.grid, static_cast<int>(channels - 1), report.threshold, report.nms);
          objects::filter_by_size(labels, rules.min_size, rules.max_size);
        } else {
          labels = objects::segment(values, l.grid, report.threshold, rules, spacing);
        }
        if (labels.count > kMost16BitLabels && label_type == DType::u16) throw TooManyFor16Bits{};
        if (labels.count > kMostFloatLabels)
          throw Error(ErrorCode::unsupported, "\"" + o.probability.string() + "\" has " + std::to_string(labels.count) +
                                                  " objects in one image; a label image holds at most " + std::to_string(kMostFloatLabels));
        report.object_count += labels.count;
        const std::vector<float> measured_values = intensity ? intensity->read(l, box) : std::vector<float>{};
        add_rows(table, l, i, objects::measure_objects(labels, l.grid, measured_values, intensity ? static_cast<std::size_t>(intensity->channels()) : 0),
                 cal, intensity.has_value());
        // The labels in the label image's axis order: the box without its channel axis.
        Box label_box;
        for (std::size_t d = 0; d < l.axes.size(); ++d)
          if (static_cast<int>(d) != l.channel_axis) label_box.begin.push_back(box.begin[d]), label_box.end.push_back(box.end[d]);
        const std::string order = object_order(label_info.axes, l.object_axes);
        Shape ordered_shape;
        for (char a : order) ordered_shape.push_back(label_box.extent(label_info.axes.find(a)));
        const Tensor t = Tensor::borrow(labels.values.data(), DType::u32, ordered_shape, order);
        sink->write(label_box, t.converted(label_type).transposed(label_info.axes));
      }
      sink->commit();
      try {
        io::write_file_via_temp(table_path, csv(table));
      } catch (...) {
        std::error_code ignored;  // the two files go together: no label image without its table
        fs::remove(labels_path, ignored);
        throw;
      }
      break;
    } catch (const TooManyFor16Bits&) {
      // Start again with the float label image (the sink's temporary file went with it).
    }
  }
  report.labels_file = labels_path.string();
  report.table_file = table_path.string();
  report.label_axes = label_info.axes;
  report.object_axes = l.object_axes;
  report.image_count = l.image_count;
  report.columns = table.columns;
  report.rows = std::move(table.rows);
  report.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

nlohmann::json to_json(const ObjectsReport& r) {
  nlohmann::json objects = nlohmann::json::array();
  for (const auto& row : r.rows) {
    nlohmann::json o;
    for (std::size_t k = 0; k < r.columns.size(); ++k) o[r.columns[k]] = row[k];
    objects.push_back(std::move(o));
  }
  return {{"labels", r.labels_file}, {"table", r.table_file}, {"threshold", r.threshold},
          {"threshold_method", r.otsu ? "otsu" : "value"}, {"star_convex", r.star_convex},
          {"nms", r.star_convex ? nlohmann::json(r.nms) : nlohmann::json(nullptr)},
          {"rules_from", r.rules_from.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.rules_from)}, {"label_axes", r.label_axes}, {"object_axes", r.object_axes},
          {"images", r.image_count}, {"object_count", r.object_count}, {"objects", objects}, {"total_s", r.total_s}};
}

}  // namespace deepimage
