#include "io/imagej_metadata.hpp"

#include <charconv>
#include <cstring>
#include <sstream>

namespace deepimage::io {
namespace {

std::optional<double> to_double(const std::string& text) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    return used == text.size() ? std::optional<double>(v) : std::nullopt;
  } catch (const std::exception&) {  // not a number: ImageJ would ignore the key too
    return std::nullopt;
  }
}

std::optional<std::int64_t> to_int(const std::string& text) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1) return std::nullopt;
  return v;
}

// ImageJ writes "µm" as the Java escape "\u00B5m"; "micron" is its other spelling of the same unit.
std::string normalise_unit(const std::string& unit) {
  if (unit == "\\u00B5m" || unit == "\xC2\xB5m" || unit == "um" || unit == "microns") return "micron";
  return unit;
}

std::string number(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  std::string text = s.str();
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";  // ImageJ writes floats with a dot
  return text;
}

}  // namespace

std::optional<ImageJMetadata> parse_imagej_description(const std::string& description) {
  if (description.rfind("ImageJ=", 0) != 0) return std::nullopt;
  ImageJMetadata m;
  bool has_dimension = false;
  std::istringstream lines(description);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "images") {
      if (auto v = to_int(value)) m.images = *v;
    } else if (key == "channels") {
      if (auto v = to_int(value)) m.channels = *v, has_dimension = true;
    } else if (key == "slices") {
      if (auto v = to_int(value)) m.slices = *v, has_dimension = true;
    } else if (key == "frames") {
      if (auto v = to_int(value)) m.frames = *v, has_dimension = true;
    } else if (key == "unit") {
      m.unit = normalise_unit(value);
    } else if (key == "spacing") {
      m.spacing = to_double(value);
    } else if (key == "finterval") {
      m.finterval = to_double(value);
    } else if (key == "tunit") {
      m.tunit = value;
    } else if (key == "mode") {
      m.mode = value;
    } else if (key == "min") {
      m.min = to_double(value);
    } else if (key == "max") {
      m.max = to_double(value);
    }
  }
  if (!has_dimension) m.slices = m.images;
  return m;
}

std::string imagej_description(const ImageJMetadata& m) {
  std::string d = "ImageJ=1.11a\n";
  d += "images=" + std::to_string(m.images) + "\n";
  if (m.channels > 1) d += "channels=" + std::to_string(m.channels) + "\n";
  if (m.slices > 1) d += "slices=" + std::to_string(m.slices) + "\n";
  if (m.frames > 1) d += "frames=" + std::to_string(m.frames) + "\n";
  if (m.images > 1) d += "hyperstack=true\n";
  if (m.channels > 1) d += "mode=" + (m.mode.empty() ? std::string("grayscale") : m.mode) + "\n";
  if (!m.unit.empty()) d += "unit=" + normalise_unit(m.unit) + "\n";  // the description is ASCII
  if (m.spacing) d += "spacing=" + number(*m.spacing) + "\n";
  if (m.finterval) d += "finterval=" + number(*m.finterval) + "\n";
  if (!m.tunit.empty()) d += "tunit=" + m.tunit + "\n";
  if (m.images > 1) d += "loop=false\n";
  if (m.min && m.max) d += "min=" + number(*m.min) + "\nmax=" + number(*m.max) + "\n";
  return d;
}

ImageJMetadataTag imagej_metadata_tag(const std::vector<std::string>& labels, const std::vector<double>& ranges,
                                      const std::vector<std::uint8_t>& lut, std::int64_t lut_count) {
  if (lut.empty()) lut_count = 0;
  ImageJMetadataTag tag;
  // resize + memcpy rather than insert(), which GCC 12 reports as an overflow that cannot happen.
  const auto put = [&](const void* p, std::size_t n) {
    const std::size_t at = tag.data.size();
    tag.data.resize(at + n);
    std::memcpy(tag.data.data() + at, p, n);
  };
  const auto put_u32 = [&](std::uint32_t v) { put(&v, sizeof v); };
  put_u32(0x494A494A);  // "IJIJ" as a number: "JIJI" in a little-endian file, as ImageJ writes it
  if (!labels.empty()) put_u32(0x6C61626C), put_u32(static_cast<std::uint32_t>(labels.size()));  // "labl"
  if (!ranges.empty()) put_u32(0x72616E67), put_u32(1);                                            // "rang"
  if (lut_count > 0) put_u32(0x6C757473), put_u32(static_cast<std::uint32_t>(lut_count));          // "luts"
  tag.byte_counts.push_back(static_cast<std::uint32_t>(tag.data.size()));
  for (const auto& label : labels) {
    // ASCII and Latin-1 as UTF-16 code units; other bytes of a UTF-8 name become '?'.
    std::u16string units;
    for (std::size_t i = 0; i < label.size(); ++i) {
      const auto c = static_cast<unsigned char>(label[i]);
      if (c < 0x80) units += static_cast<char16_t>(c);
      else if ((c == 0xC2 || c == 0xC3) && i + 1 < label.size())
        units += static_cast<char16_t>(((c & 0x1F) << 6) | (static_cast<unsigned char>(label[++i]) & 0x3F));
      else if (c >= 0xC0) units += u'?';
    }
    put(units.data(), units.size() * sizeof(char16_t));
    tag.byte_counts.push_back(static_cast<std::uint32_t>(units.size() * sizeof(char16_t)));
  }
  if (!ranges.empty()) {
    put(ranges.data(), ranges.size() * sizeof(double));
    tag.byte_counts.push_back(static_cast<std::uint32_t>(ranges.size() * sizeof(double)));
  }
  for (std::int64_t k = 0; k < lut_count; ++k) {
    put(lut.data(), lut.size());
    tag.byte_counts.push_back(static_cast<std::uint32_t>(lut.size()));
  }
  return tag;
}

}  // namespace deepimage::io
