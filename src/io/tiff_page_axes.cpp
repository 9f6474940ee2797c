#include <array>
#include "io/tiff_page_axes.hpp"

#include <charconv>
#include <map>

#include <nlohmann/json.hpp>

#include "deepimage/error.hpp"
#include "io/imagej_metadata.hpp"
#include "core/checked_math.hpp"

namespace deepimage::io {
namespace {

using Attributes = std::map<std::string, std::string>;

// The five XML entities and numeric references (&#181; is "µ"), as UTF-8.
std::string xml_unescape(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto semi = text[i] == '&' ? text.find(';', i) : std::string::npos;
    if (semi == std::string::npos) {
      out += text[i];
      continue;
    }
    const std::string entity = text.substr(i + 1, semi - i - 1);
    static const std::map<std::string, char> named = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    if (auto it = named.find(entity); it != named.end()) {
      out += it->second;
    } else if (entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      std::uint32_t code = 0;
      const char* begin = entity.data() + (hex ? 2 : 1);
      if (std::from_chars(begin, entity.data() + entity.size(), code, hex ? 16 : 10).ec != std::errc()) {
        out += text[i];
        continue;
      }
      if (code < 0x80) {
        out += static_cast<char>(code);
      } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
      } else {
        out += static_cast<char>(0xE0 | ((code >> 12) & 0x0F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
      }
    } else {
      out += text[i];
      continue;
    }
    i = semi;
  }
  return out;
}

// The attributes of the first element called `name` (with any namespace prefix, "ome:Pixels").
// OME-XML needs no more than this; a full XML parser would be a dependency for two elements.
std::optional<Attributes> element_attributes(const std::string& xml, const std::string& name) {
  for (std::size_t at = xml.find('<'); at != std::string::npos; at = xml.find('<', at + 1)) {
    std::size_t end = at + 1;
    while (end < xml.size() && (std::isalnum(static_cast<unsigned char>(xml[end])) || xml[end] == ':' || xml[end] == '_' ||
                                xml[end] == '-' || xml[end] == '.'))
      ++end;
    const std::string tag = xml.substr(at + 1, end - at - 1);
    const auto colon = tag.rfind(':');
    if ((colon == std::string::npos ? tag : tag.substr(colon + 1)) != name) continue;
    Attributes attributes;
    std::size_t i = end;
    while (i < xml.size() && xml[i] != '>' && xml[i] != '/') {
      while (i < xml.size() && std::isspace(static_cast<unsigned char>(xml[i]))) ++i;
      const auto eq = xml.find('=', i);
      if (eq == std::string::npos || eq + 1 >= xml.size() || (xml[eq + 1] != '"' && xml[eq + 1] != '\'')) break;
      std::string key = xml.substr(i, eq - i);
      while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
      const auto close = xml.find(xml[eq + 1], eq + 2);
      if (close == std::string::npos) break;
      attributes[key] = xml_unescape(xml.substr(eq + 2, close - eq - 2));
      i = close + 1;
    }
    return attributes;
  }
  return std::nullopt;
}

std::optional<double> to_double(const std::string& text) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    return used == text.size() ? std::optional<double>(v) : std::nullopt;
  } catch (const std::exception&) {  // not a number: the value is left unknown
    return std::nullopt;
  }
}

std::int64_t positive(const Attributes& a, const std::string& key, const std::filesystem::path& file) {
  const auto it = a.find(key);
  if (it == a.end()) return 1;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc() || end != it->second.data() + it->second.size() || v < 1)
    throw Error(ErrorCode::unsupported, "\"" + file.string() + "\" has OME-XML " + key + "=\"" + it->second +
                                            "\" (expected a positive integer)");
  return v;
}

// Microns per `unit` (OME's UnitsLength); 0 when unknown.
double microns_per(const std::string& unit) {
  static const std::map<std::string, double> units = {
      {"\xC2\xB5m", 1.0}, {"\xCE\xBCm", 1.0}, {"um", 1.0}, {"micron", 1.0}, {"nm", 1e-3}, {"pm", 1e-6},
      {"\xC3\x85", 1e-4}, {"mm", 1e3}, {"cm", 1e4}, {"m", 1e6}};
  const auto it = units.find(unit);
  return it == units.end() ? 0.0 : it->second;
}

// Seconds per `unit` (OME's UnitsTime); 0 when unknown.
double seconds_per(const std::string& unit) {
  static const std::map<std::string, double> units = {{"s", 1.0},     {"ms", 1e-3}, {"\xC2\xB5s", 1e-6}, {"\xCE\xBCs", 1e-6},
                                                      {"us", 1e-6},   {"ns", 1e-9}, {"min", 60.0},       {"h", 3600.0}};
  const auto it = units.find(unit);
  return it == units.end() ? 0.0 : it->second;
}

std::optional<Calibration> ome_calibration(const Attributes& a) {
  Calibration c;
  bool known = false;
  // OME's default length unit is the micron; a unit we do not know is kept as written, unconverted.
  for (auto [key, value] : {std::pair{"PhysicalSizeX", &c.x}, std::pair{"PhysicalSizeY", &c.y}, std::pair{"PhysicalSizeZ", &c.z}}) {
    const auto it = a.find(key);
    const auto size = it == a.end() ? std::nullopt : to_double(it->second);
    if (!size || *size <= 0) continue;
    const auto unit_it = a.find(std::string(key) + "Unit");
    const std::string unit = unit_it == a.end() ? "\xC2\xB5m" : unit_it->second;
    const double scale = microns_per(unit);
    *value = scale > 0 ? *size * scale : *size;
    c.unit = scale > 0 ? "micron" : unit;
    known = true;
  }
  if (const auto it = a.find("TimeIncrement"); it != a.end())
    if (const auto dt = to_double(it->second); dt && *dt > 0) {
      const auto unit_it = a.find("TimeIncrementUnit");
      const double scale = seconds_per(unit_it == a.end() ? "s" : unit_it->second);
      if (scale > 0) c.frame_interval = *dt * scale, known = true;
    }
  return known ? std::optional<Calibration>(c) : std::nullopt;
}

std::string page_count_mismatch(const std::filesystem::path& file, std::int64_t page_count, const std::string& says) {
  return "\"" + file.string() + "\" has " + std::to_string(page_count) + " pages but its " + says;
}

PageAxes from_ome(const Attributes& pixels, std::int64_t page_count, std::int64_t samples, const std::filesystem::path& file) {
  const auto order_it = pixels.find("DimensionOrder");
  const std::string order = order_it == pixels.end() ? "XYZCT" : order_it->second;
  if (order.size() != 5 || order.compare(0, 2, "XY") != 0 || order.find('Z') == std::string::npos ||
      order.find('C') == std::string::npos || order.find('T') == std::string::npos)
    throw Error(ErrorCode::unsupported, "\"" + file.string() + "\" has OME-XML DimensionOrder \"" + order +
                                            "\" (expected XY followed by Z, C and T in some order)");
  const std::int64_t size_c = positive(pixels, "SizeC", file), size_z = positive(pixels, "SizeZ", file),
                     size_t_ = positive(pixels, "SizeT", file);
  // The samples of a pixel (RGB) are channels OME counts in SizeC, but they share one page.
  if (size_c % samples != 0)
    throw Error(ErrorCode::unsupported, "\"" + file.string() + "\" has OME-XML SizeC=" + std::to_string(size_c) +
                                            " but " + std::to_string(samples) + " samples per pixel");
  const std::map<char, std::int64_t> size = {{'Z', size_z}, {'C', size_c / samples}, {'T', size_t_}};
  PageAxes p;
  p.source = "ome";
  p.axes.clear();
  for (std::size_t k = 5; k-- > 2;) {  // DimensionOrder names the fastest first; pages are outer first
    p.axes += static_cast<char>(std::tolower(static_cast<unsigned char>(order[k])));
    p.sizes.push_back(size.at(order[k]));
  }
  if (element_count(p.sizes) != page_count)
    throw Error(ErrorCode::unsupported,
                page_count_mismatch(file, page_count, "OME-XML metadata says " + std::to_string(size_c) + " channels x " +
                                                          std::to_string(size_z) + " slices x " + std::to_string(size_t_) +
                                                          " frames" + (samples > 1 ? " with " + std::to_string(samples) +
                                                                                         " samples per page" : "") +
                                                          " (files of several OME images are not read)"));
  p.ome_calibration = ome_calibration(pixels);
  return p;
}

// tifffile's {"shape": [...], "axes": "..."}; nullopt when the description is not one, or its axes
// are not ones we can name (then the pages are read as z-slices, as without metadata).
std::optional<PageAxes> from_shaped(const std::string& description, std::int64_t page_count, std::int64_t samples,
                                    const std::filesystem::path& file) {
  if (description.empty() || description.front() != '{') return std::nullopt;
  const auto json = nlohmann::json::parse(description, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("shape") || !json["shape"].is_array() ||
      !json.contains("axes") || !json["axes"].is_string())
    return std::nullopt;
  const std::string axes = json["axes"];
  Shape shape;
  for (const auto& v : json["shape"]) {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 1) return std::nullopt;
    shape.push_back(v.get<std::int64_t>());
  }
  const auto y = axes.find('Y');
  if (axes.size() != shape.size() || y == std::string::npos || y + 1 >= axes.size() || axes[y + 1] != 'X') return std::nullopt;
  std::size_t page_end = y;  // the page axes are axes[0, page_end)
  if (y + 2 < axes.size()) {  // samples stored with each pixel: "YXS"
    if (y + 3 != axes.size() || axes[y + 2] != 'S' || shape[y + 2] != samples) return std::nullopt;
  } else if (samples > 1) {  // samples stored as separate planes: the axis before Y
    if (y == 0 || shape[y - 1] != samples || (axes[y - 1] != 'S' && axes[y - 1] != 'C')) return std::nullopt;
    page_end = y - 1;
  }
  PageAxes p;
  p.source = "tifffile";
  p.axes.clear();
  for (std::size_t k = 0; k < page_end; ++k) {
    const char a = static_cast<char>(std::tolower(static_cast<unsigned char>(axes[k])));
    if (shape[k] == 1) continue;
    if ((a != 't' && a != 'z' && a != 'c') || p.axes.find(a) != std::string::npos) return std::nullopt;
    p.axes += a;
    p.sizes.push_back(shape[k]);
  }
  if (p.axes.empty()) p.axes = "z", p.sizes = {1};
  if (element_count(p.sizes) != page_count)
    throw Error(ErrorCode::unsupported, page_count_mismatch(file, page_count, "tifffile description says shape " +
                                                                                  shape_to_string(shape) + " with axes \"" +
                                                                                  axes + "\""));
  return p;
}

}  // namespace

PageAxes page_axes(const std::string& description, std::int64_t page_count, std::int64_t samples,
                   const std::filesystem::path& file) {
  if (const auto ij = parse_imagej_description(description)) {
    // Each count is >= 1 (parse_imagej_description drops others); their product is checked, since
    // channels=2^32 x slices=2^32 would wrap around to any page count and leave a slice count of 0.
    const auto declared = checked_product(std::array<std::int64_t, 3>{ij->channels, ij->slices, ij->frames});
    if (!declared || *declared != page_count)
      throw Error(ErrorCode::unsupported,
                  page_count_mismatch(file, page_count, "ImageJ metadata says " + std::to_string(ij->channels) +
                                                            " channels x " + std::to_string(ij->slices) + " slices x " +
                                                            std::to_string(ij->frames) + " frames"));
    return {.axes = "tzc", .sizes = {ij->frames, ij->slices, ij->channels}, .source = "imagej", .ome_calibration = {}};
  }
  if (description.find("<OME") != std::string::npos || description.find(":OME") != std::string::npos)
    if (const auto pixels = element_attributes(description, "Pixels")) return from_ome(*pixels, page_count, samples, file);
  if (auto shaped = from_shaped(description, page_count, samples, file)) return *shaped;
  return {.axes = "z", .sizes = {page_count}, .source = "none", .ome_calibration = {}};
}

}  // namespace deepimage::io
