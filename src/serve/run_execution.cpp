#include "serve/run_execution.hpp"

#include "deepimage/error.hpp"
#include "deepimage/run.hpp"
#include "io/image.hpp"
#include "io/image_region.hpp"

namespace deepimage::server {
namespace {

namespace fs = std::filesystem;

// Axes for an image whose file does not name them (a .npy): the last `rank` of "tzcyx".
std::string axes_by_rank(std::size_t rank) {
  const std::string all = "tzcyx";
  return rank <= all.size() ? all.substr(all.size() - rank) : "";
}

}  // namespace

RunOutput describe_image(const fs::path& file) {
  const std::unique_ptr<io::ImageSource> source = io::open_image(file);
  const io::ImageInfo& info = source->info();
  return {file.filename().string(), info.shape, info.axes, std::string(to_string(info.dtype))};
}

std::optional<RunOutput> make_input_tiff(const RunJob& job) {
  const fs::path tiff = input_tiff(job.folder);
  try {
    if (!job.upload.empty() && job.upload != tiff) {
      io::Image image = io::read_image(job.upload);
      if (image.pixels.axes().empty()) image.pixels.set_axes(axes_by_rank(image.pixels.rank()));
      io::write_image(image, tiff);
    }
    if (!fs::exists(tiff)) return std::nullopt;
    return describe_image(tiff);
  } catch (const Error&) {  // shown as "no input"; the run itself says what is wrong with the image
    return std::nullopt;
  }
}

RunResult execute_run(const RunJob& job, const ProgressCallback& progress, const std::atomic<bool>* cancel) {
  const RunRequest& r = job.request;
  const fs::path out = job.folder / "out";
  fs::create_directory(out);
  RunOptions o;
  o.model = job.model;
  o.output = job.output_count == 1 ? out / "output0.tif" : out;
  o.tile = r.tile;
  o.halo = r.halo;
  o.axes = r.axes;
  o.channels = r.channels;
  o.pad = r.pad;
  o.objects = r.objects;
  o.progress = progress;
  o.cancel = cancel;
  RunReport report;
  if (r.example) {
    report = run_example(o, input_tiff(job.folder));  // staged in a folder of its own, so --jobs > 1 may run several
  } else {
    o.inputs = {job.upload};
    report = run_model(o);
  }
  // Several outputs are written as <input stem>_<output id>.tif, in the model's order: the API names
  // them by position.
  RunResult result;
  for (std::size_t i = 0; i < report.outputs_written.size(); ++i) {
    const fs::path written = report.outputs_written[i];
    const fs::path named = job.folder / ("output" + std::to_string(i) + ".tif");
    fs::rename(written, named);
    result.outputs.push_back(describe_image(named));
  }
  if (report.objects) {
    const ObjectsReport& found = *report.objects;
    fs::rename(found.labels_file, job.folder / "labels.tif");
    fs::rename(found.table_file, objects_table(job.folder));
    result.outputs.push_back(describe_image(job.folder / "labels.tif"));
    result.objects = RunObjects{.count = found.object_count, .threshold = found.threshold, .otsu = found.otsu,
                                .star_convex = found.star_convex, .rules_from = found.rules_from};
  }
  fs::remove_all(out);
  return result;
}

}  // namespace deepimage::server
