#include "engine/onnx/opencv_error.hpp"

#include <regex>
#include <sstream>
#include <vector>

namespace deepimage::engine {
namespace {

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\n>");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\n>");
  return s.substr(first, last - first + 1);
}

// "void cv::dnn::ONNXImporter::parseClip(cv::dnn::LayerParams&, ...)" -> "parseClip".
std::string short_function(std::string f) {
  f = f.substr(0, f.find('('));
  if (const auto colons = f.rfind("::"); colons != std::string::npos) f = f.substr(colons + 2);
  if (const auto space = f.rfind(' '); space != std::string::npos) f = f.substr(space + 1);
  return f;
}

// One "error: (-215:Assertion failed) <text> in function '<f>'" frame and the "> >" lines of detail
// that CV_Check macros put after it ("(expected: 'a == 1'), where 'a' is 3").
std::string describe_frame(std::string kind, const std::string& body) {
  static const std::regex function_re(R"(\s*in function '([^']*)')");
  std::string text = body, function, details;
  if (std::smatch m; std::regex_search(body, m, function_re)) {
    text = body.substr(0, static_cast<std::size_t>(m.position(0)));
    function = short_function(m[1].str());
    std::istringstream rest(body.substr(static_cast<std::size_t>(m.position(0) + m.length(0))));
    for (std::string line; std::getline(rest, line);)
      if (line.starts_with("> >")) {
        const std::string d = trim(line.substr(3));
        if (!d.empty() && d != ":") details += (details.empty() ? "" : " ") + d;
      }
  }
  text = trim(text.substr(0, text.find('\n')));
  if (!details.empty()) text += (text.empty() ? "" : " ") + details;
  if (text.empty()) return "";
  if (kind == "Unspecified error") kind.clear();
  for (auto& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return (kind.empty() ? "" : kind + ": ") + text + (function.empty() ? "" : " (in " + function + ")");
}

// The innermost frame with something to say: OpenCV nests the layer's own error inside the importer's.
std::string innermost_reason(const std::string& message) {
  static const std::regex frame_re(R"(error: \((-?\d+):([^)]*)\))");
  std::vector<std::smatch> frames;
  for (auto it = std::sregex_iterator(message.begin(), message.end(), frame_re); it != std::sregex_iterator(); ++it)
    frames.push_back(*it);
  for (std::size_t i = frames.size(); i-- > 0;) {
    const auto body_start = static_cast<std::size_t>(frames[i].position(0) + frames[i].length(0));
    const auto body_end = i + 1 < frames.size() ? static_cast<std::size_t>(frames[i + 1].position(0)) : message.size();
    if (std::string r = describe_frame(frames[i][2].str(), message.substr(body_start, body_end - body_start)); !r.empty())
      return r;
  }
  // Not an OpenCV-formatted message (a protobuf CHECK, a std::exception): its first non-empty line.
  std::string line = trim(message.substr(0, message.find('\n')));
  return line.empty() ? "unknown error" : line;
}

}  // namespace

OpenCvFailure parse_opencv_error(std::string_view message_view) {
  const std::string message(message_view);
  OpenCvFailure f;
  static const std::regex node_re(R"(Node \[([^@\]]+)@[^\]]*\]:\((?:onnx_node!|onnx_node_output_\d+!)?([^)]*)\))");
  if (std::smatch m; std::regex_search(message, m, node_re)) {
    f.op_type = m[1].str();
    f.node = m[2].str();
  }
  f.unknown_operator = message.find("Can't create layer") != std::string::npos;
  f.reason = innermost_reason(message);
  return f;
}

}  // namespace deepimage::engine
