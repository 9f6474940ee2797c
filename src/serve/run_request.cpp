#include "serve/run_request.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>

#include "deepimage/error.hpp"
#include "deepimage/model_spec.hpp"  // kMaxHalo
#include "io/image.hpp"

namespace deepimage::server {
namespace {

constexpr std::int64_t kMaxTile = std::int64_t{1} << 20;
constexpr std::size_t kMaxChannels = 4096;
constexpr std::string_view kAxisLetters = "btczyxi";

Error field_error(const std::string& field, const std::string& value, const std::string& expected) {
  return Error(ErrorCode::invalid_argument, "field \"" + field + "\": \"" + value + "\" is not " + expected);
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

bool parse_int(const std::string& s, std::int64_t& value) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc() && end == s.data() + s.size();
}

// "y=256,x=256" -> {y: 256, x: 256}; each value in [min_value, max_value], each axis once.
std::map<char, std::int64_t> parse_axis_values(const std::string& field, const std::string& text, std::int64_t min_value,
                                               std::int64_t max_value) {
  const std::string expected = "axis=size pairs such as \"y=256,x=256\" (sizes " + std::to_string(min_value) + " to " +
                               std::to_string(max_value) + ")";
  std::map<char, std::int64_t> values;
  for (const std::string& part : split(text, ',')) {
    const std::size_t eq = part.find('=');
    std::int64_t v = 0;
    if (eq != 1 || kAxisLetters.find(part[0]) == std::string_view::npos || !parse_int(part.substr(2), v) || v < min_value ||
        v > max_value || values.count(part[0]))
      throw field_error(field, text, expected);
    values[part[0]] = v;
  }
  return values;
}

std::string parse_axes(const std::string& text) {
  const std::string expected = "axis letters such as \"zyx\" or \"cyx\" (each of b, t, c, z, y, x, i at most once)";
  if (text.empty() || text.size() > kAxisLetters.size()) throw field_error("axes", text, expected);
  for (std::size_t i = 0; i < text.size(); ++i)
    if (kAxisLetters.find(text[i]) == std::string_view::npos || text.find(text[i]) != i) throw field_error("axes", text, expected);
  return text;
}

std::vector<int> parse_channels(const std::string& text) {
  const std::string expected = "channel indices such as \"0,2\" (0 or more, each once)";
  std::vector<int> channels;
  for (const std::string& part : split(text, ',')) {
    std::int64_t v = 0;
    if (!parse_int(part, v) || v < 0 || v >= static_cast<std::int64_t>(kMaxChannels) ||
        std::find(channels.begin(), channels.end(), static_cast<int>(v)) != channels.end())
      throw field_error("channels", text, expected);
    channels.push_back(static_cast<int>(v));
  }
  return channels;
}

// "1"/"true" or "0"/"false"; `meaning` says what 1 does.
bool parse_flag(const std::string& field, const std::string& value, const std::string& meaning) {
  if (value != "1" && value != "0" && value != "true" && value != "false") throw field_error(field, value, "\"1\" (" + meaning + ") or \"0\"");
  return value == "1" || value == "true";
}

}  // namespace

RunRequest parse_run_request(const std::map<std::string, std::string>& fields) {
  RunRequest r;
  ObjectRules rules;
  std::vector<std::string> object_fields;  // given, needing objects=1
  bool objects = false;
  for (const auto& [name, value] : fields) {
    if (name == "model") {
      r.model = value;
    } else if (name == "example") {
      r.example = parse_flag("example", value, "run on the model's example");
    } else if (name == "objects") {
      objects = parse_flag("objects", value, "find objects in the first output");
    } else if (name == "threshold") {
      if (value.empty()) continue;
      object_fields.push_back(name);
      if (!read_threshold(value, rules)) throw field_error("threshold", value, "a number or otsu");
    } else if (name == "split") {
      rules.split = parse_flag("split", value, "split touching objects");
      if (rules.split) object_fields.push_back(name);
    } else if (name == "min_size") {
      if (value.empty()) continue;
      object_fields.push_back(name);
      std::int64_t v = 0;
      if (!parse_int(value, v) || v < 0) throw field_error("min_size", value, "a number of pixels (0 or more)");
      rules.min_size = static_cast<std::uint64_t>(v);
    } else if (name == "tile") {
      if (!value.empty()) r.tile = parse_axis_values("tile", value, 1, kMaxTile);
    } else if (name == "halo") {
      if (!value.empty()) r.halo = parse_axis_values("halo", value, 0, kMaxHalo);
    } else if (name == "axes") {
      if (!value.empty()) r.axes = parse_axes(value);
    } else if (name == "channels") {
      if (!value.empty()) r.channels = parse_channels(value);
    } else if (name == "pad") {
      if (!value.empty()) {
        if (value != "reflect" && value != "symmetric" && value != "edge" && value != "zeros")
          throw field_error("pad", value, "one of reflect, symmetric, edge, zeros");
        r.pad = value;
      }
    } else {
      throw Error(ErrorCode::invalid_argument, "unknown field \"" + name +
                                                   "\" (expected model, image, example, tile, halo, axes, channels, pad, objects, threshold, split, "
                                                   "min_size)");
    }
  }
  if (objects) r.objects = rules;
  else if (!object_fields.empty())
    throw Error(ErrorCode::invalid_argument, "field \"" + object_fields.front() + "\" shapes objects: add objects=1");
  if (r.model.empty()) throw Error(ErrorCode::invalid_argument, "field \"model\" is missing: give a model id from GET /api/models");
  return r;
}

std::string upload_extension(const std::string& client_name) {
  static const std::vector<std::string> accepted = {".tif", ".tiff", ".npy", ".png", ".jpg", ".jpeg"};
  std::string ext = std::filesystem::path(client_name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // Only a format this build reads (PNG and JPEG are optional).
  if (std::find(accepted.begin(), accepted.end(), ext) == accepted.end() || !io::find_format("upload" + ext))
    throw Error(ErrorCode::invalid_argument, "field \"image\": \"" + client_name +
                                                 "\" is not an image deepimage reads (expected .tif, .tiff, .npy, .png or .jpg)");
  return ext == ".tiff" ? ".tif" : ext == ".jpeg" ? ".jpg" : ext;
}

}  // namespace deepimage::server
