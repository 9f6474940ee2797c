// find_objects (include/deepimage/objects.hpp): the file side of instance post-processing. The work
// is ObjectFinder's (object_finder.hpp); here the probability and intensity files are opened, and the
// label image and the table written through temporary files, so a failure leaves neither.
#include <chrono>
#include <iomanip>
#include <sstream>

#include "deepimage/error.hpp"
#include "deepimage/objects.hpp"
#include "io/image_region.hpp"
#include "io/temp_file.hpp"
#include "run/image_stem.hpp"
#include "run/object_finder.hpp"
#include "run/object_outputs.hpp"

namespace deepimage {
namespace fs = std::filesystem;
namespace {

// Labels past this count in one image need the 32-bit (float) label image: ImageJ has no 32-bit integer
// type, and its float holds every integer up to 2^24 exactly.
constexpr std::uint32_t kMost16BitLabels = 65535;
constexpr std::uint32_t kMostFloatLabels = 16777216;

fs::path beside(const fs::path& p, const std::string& suffix) {
  const fs::path file = p.has_filename() ? p : p.parent_path();  // "cells.ome.zarr/"
  return file.parent_path() / (run::image_stem(file) + suffix);
}

std::string number(double v) {
  std::ostringstream s;
  s << std::setprecision(9) << v;
  return s.str();
}

std::string csv(const ObjectsReport& r) {
  std::string text;
  for (std::size_t k = 0; k < r.columns.size(); ++k) text += (k ? "," : "") + r.columns[k];
  text += "\n";
  for (const auto& row : r.rows) {
    for (std::size_t k = 0; k < row.size(); ++k) text += (k ? "," : "") + number(row[k]);
    text += "\n";
  }
  return text;
}

}  // namespace

void run::check_object_outputs(const fs::path& labels, const fs::path& table, bool overwrite) {
  for (const fs::path& out : {labels, table}) {
    if (fs::exists(out) && !overwrite)
      throw Error(ErrorCode::invalid_argument, "output \"" + out.string() + "\" exists (use --overwrite to replace it)");
    io::check_output_folder(out);
  }
  if (labels == table) throw Error(ErrorCode::invalid_argument, "the label image and the table are both \"" + labels.string() + "\"");
}

fs::path default_labels_path(const fs::path& probability) { return beside(probability, "_labels.tif"); }
fs::path default_table_path(const fs::path& probability) { return beside(probability, "_objects.csv"); }

ObjectsReport find_objects(const FindObjectsOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const fs::path labels_path = o.labels.empty() ? default_labels_path(o.probability) : o.labels;
  const fs::path table_path = o.table.empty() ? default_table_path(o.probability) : o.table;
  run::check_object_outputs(labels_path, table_path, o.overwrite);
  const auto source = io::open_image(o.probability);
  const auto intensity = o.intensity.empty() ? nullptr : io::open_image(o.intensity);
  const run::ObjectFinder finder(*source, o.axes, intensity.get(), o.rules, o.model);
  io::ImageInfo label_info = finder.label_info();
  ObjectsReport report;
  for (DType label_type : {DType::u16, DType::f32}) {
    label_info.dtype = label_type;
    try {
      auto sink = io::create_image(labels_path, label_info);
      report = finder.run(label_type == DType::u16 ? kMost16BitLabels : kMostFloatLabels,
                          [&](const Box& box, const Tensor& labels) { sink->write(box, labels.converted(label_type)); });
      sink->commit();
      try {
        io::write_file_via_temp(table_path, csv(report));
      } catch (...) {
        std::error_code ignored;  // the two files go together: no label image without its table
        fs::remove(labels_path, ignored);
        throw;
      }
      break;
    } catch (const run::ObjectFinder::TooManyLabels& too_many) {
      // Start again with the float label image (the sink's temporary file went with it).
      if (label_type == DType::f32)
        throw Error(ErrorCode::unsupported, "\"" + o.probability.string() + "\" has " + std::to_string(too_many.count) +
                                                " objects in one image; a label image holds at most " + std::to_string(kMostFloatLabels));
    }
  }
  report.labels_file = labels_path.string();
  report.table_file = table_path.string();
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
