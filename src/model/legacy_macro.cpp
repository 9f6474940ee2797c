#include "model/legacy_macro.hpp"
#include "model/spec_json.hpp"

#include <regex>
#include <sstream>

namespace deepimage::model {
namespace {

// The macro without comments, one statement per line, blanks collapsed.
std::vector<std::string> statements(const std::string& text) {
  std::string code;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "//") == 0) {
      while (i < text.size() && text[i] != '\n') ++i;
      code += '\n';
    } else if (text.compare(i, 2, "/*") == 0) {
      const std::size_t end = text.find("*/", i + 2);
      i = end == std::string::npos ? text.size() : end + 1;
    } else {
      code += text[i];
    }
  }
  std::vector<std::string> out;
  std::string current;
  for (char c : code) {
    if (c == ';' || c == '\n' || c == '{' || c == '}') {
      const auto b = current.find_first_not_of(" \t\r"), e = current.find_last_not_of(" \t\r");
      if (b != std::string::npos) out.push_back(current.substr(b, e - b + 1));
      current.clear();
    } else {
      current += c;
    }
  }
  const auto b = current.find_first_not_of(" \t\r"), e = current.find_last_not_of(" \t\r");
  if (b != std::string::npos) out.push_back(current.substr(b, e - b + 1));
  return out;
}

// Statements that change only what ImageJ shows, never the pixels handed to the model.
bool display_only(const std::string& s) {
  static const std::regex pattern(
      R"re(^(print\s*\(.*\)|\w+\s*=\s*getTitle(\s*\(\s*\))?|selectWindow\s*\(.*\)|selectImage\s*\(.*\)|setBatchMode\s*\(.*\))re"
      R"re(|run\s*\(\s*"Close"\s*\)|run\s*\(\s*"Brightness/Contrast\.\.\."\s*\)|resetMinAndMax(\s*\(\s*\))?)$)re");
  static const std::regex contrast(R"re(^run\s*\(\s*"Enhance Contrast\.*"\s*,\s*"([^"]*)"\s*\)$)re");
  std::smatch m;
  if (std::regex_match(s, m, contrast)) return m[1].str().find("normalize") == std::string::npos;
  return std::regex_match(s, pattern);
}

std::string number_text(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

}  // namespace

MacroMapping recognise_macro(const std::string& text, MacroStage stage, const std::string& spatial_axes) {
  std::vector<std::string> work;
  for (const std::string& s : statements(text))
    if (!display_only(s)) work.push_back(s);
  std::string joined;
  for (const auto& s : work) joined += s + "\n";

  if (work.empty()) return {{}, "changes only the display: nothing to do"};

  const std::regex bit_depth(R"re(bitDepth\s*\(\s*\)\s*==)re");
  if (std::regex_search(joined, bit_depth))
    return {{}, "depends on the image's bit depth (a bioimage.io op cannot): not executed"};

  static const std::regex to_32bit(R"re(^run\s*\(\s*"32-bit"\s*\)$)re");
  static const std::regex divide(R"re(^run\s*\(\s*"Divide\.\.\."\s*,\s*"value=([0-9.eE+-]+)( stack)?"\s*\)$)re");
  if (stage == MacroStage::preprocessing) {
    std::smatch m;
    bool only_divide = !work.empty();
    double value = 0;
    int divides = 0;
    for (const auto& s : work) {
      if (std::regex_match(s, to_32bit)) continue;
      if (std::regex_match(s, m, divide)) {
        value = std::stod(m[1].str());
        ++divides;
        continue;
      }
      only_divide = false;
    }
    if (only_divide && divides == 1 && value != 0) {
      const double gain = 1.0 / value;
      return {{make_op("scale_linear", {{"gain", gain}, {"offset", 0.0}})},
              "divides by " + number_text(value) + ": mapped to scale_linear (gain " + number_text(gain) + ")"};
    }
    static const std::regex percentile_function(R"re(function\s+percentile_normalization)re");
    static const std::regex min_p(R"re(^min_percentile\s*=\s*([0-9.]+)$)re");
    static const std::regex max_p(R"re(^max_percentile\s*=\s*([0-9.]+)$)re");
    if (std::regex_search(text, percentile_function)) {
      // The template sets each percentile in 0..100, then divides it by 100 in place: the first
      // plain number assigned is the one meant.
      double lo = -1, hi = -1;
      for (const auto& s : work) {
        if (lo < 0 && std::regex_match(s, m, min_p)) lo = std::stod(m[1].str());
        if (hi < 0 && std::regex_match(s, m, max_p)) hi = std::stod(m[1].str());
      }
      if (lo >= 0 && hi > lo && hi <= 100)
        return {{make_op("scale_range", {{"mode", "per_sample"}, {"axes", spatial_axes}, {"min_percentile", lo},
                                        {"max_percentile", hi}})},
                "percentile normalisation " + number_text(lo) + "-" + number_text(hi) +
                    ": mapped to scale_range per_sample (exact percentiles; the macro used a 256-bin histogram)"};
    }
  } else {
    static const std::regex threshold(R"re(^setThreshold\s*\(\s*([0-9.eE+-]+)\s*,.*\)$)re");
    static const std::regex mask(R"re(^run\s*\(\s*"Convert to Mask"\s*(,.*)?\)$)re");
    std::smatch m;
    double t = 0;
    bool has_threshold = false, has_mask = false, other = false;
    for (const auto& s : work) {
      if (std::regex_match(s, m, threshold)) {
        t = std::stod(m[1].str());
        has_threshold = true;
      } else if (std::regex_match(s, mask)) {
        has_mask = true;
      } else {
        other = true;
      }
    }
    if (has_threshold && has_mask && !other)
      return {{make_op("binarize", {{"threshold", t}})}, "threshold at " + number_text(t) + ": mapped to binarize (1 where ImageJ's mask holds 255)"};
  }
  return {{}, "an ImageJ macro deepimage does not recognise: not executed"};
}

}  // namespace deepimage::model
