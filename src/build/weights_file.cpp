#include "build/weights_file.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

#include "deepimage/error.hpp"
#include "model/bundle.hpp"

namespace deepimage::build {
namespace {

namespace fs = std::filesystem;

// Protobuf wire format, just enough to walk the fields of an ONNX ModelProto.
class ProtoReader {
 public:
  ProtoReader(const std::uint8_t* begin, const std::uint8_t* end) : at_(begin), end_(end) {}
  bool done() const { return at_ == end_; }

  struct Field {
    std::uint64_t number = 0, wire = 0;
    std::uint64_t value = 0;             // varint fields
    const std::uint8_t* data = nullptr;  // length-delimited fields
    std::uint64_t size = 0;
  };

  // The next field; nullopt when the bytes are not protobuf.
  std::optional<Field> next() {
    const auto tag = varint();
    if (!tag) return std::nullopt;
    Field f;
    f.number = *tag >> 3, f.wire = *tag & 7;
    switch (f.wire) {
      case 0: {
        const auto v = varint();
        if (!v) return std::nullopt;
        f.value = *v;
        return f;
      }
      case 1: return skip(8) ? std::optional(f) : std::nullopt;
      case 5: return skip(4) ? std::optional(f) : std::nullopt;
      case 2: {
        const auto n = varint();
        if (!n || *n > static_cast<std::uint64_t>(end_ - at_)) return std::nullopt;
        f.data = at_, f.size = *n;
        at_ += *n;
        return f;
      }
      default: return std::nullopt;
    }
  }

 private:
  std::optional<std::uint64_t> varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64 && at_ < end_; shift += 7) {
      const std::uint8_t byte = *at_++;
      v |= std::uint64_t(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return v;
    }
    return std::nullopt;
  }
  bool skip(std::uint64_t n) {
    if (n > static_cast<std::uint64_t>(end_ - at_)) return false;
    at_ += n;
    return true;
  }
  const std::uint8_t* at_;
  const std::uint8_t* end_;
};

// ModelProto.graph is field 7, ModelProto.opset_import field 8: OperatorSetIdProto {domain = 1,
// version = 2}, the default domain "" (or "ai.onnx"). nullopt when the bytes are not a ModelProto
// with a graph and a default-domain opset.
std::optional<std::int64_t> onnx_opset(const std::vector<std::uint8_t>& bytes) {
  ProtoReader model(bytes.data(), bytes.data() + bytes.size());
  bool has_graph = false;
  std::optional<std::int64_t> opset;
  while (!model.done()) {
    const auto field = model.next();
    if (!field) return std::nullopt;
    if (field->number == 7 && field->wire == 2) has_graph = true;
    if (field->number != 8 || field->wire != 2) continue;
    ProtoReader entry(field->data, field->data + field->size);
    std::string domain;
    std::optional<std::int64_t> version;
    while (!entry.done()) {
      const auto f = entry.next();
      if (!f) return std::nullopt;
      if (f->number == 1 && f->wire == 2) domain.assign(reinterpret_cast<const char*>(f->data), f->size);
      if (f->number == 2 && f->wire == 0) version = static_cast<std::int64_t>(f->value);
    }
    if ((domain.empty() || domain == "ai.onnx") && version) opset = version;
  }
  return has_graph ? opset : std::nullopt;
}

std::string text_of(const ProtoReader::Field& f) { return std::string(reinterpret_cast<const char*>(f.data), f.size); }

// SavedModel.meta_graphs is field 2; MetaGraphDef.meta_info_def field 1; MetaInfoDef.tags field 4 and
// tensorflow_version field 5. The version of the meta graph tagged "serve" (the one that is run), else
// of the first; empty when it records none. nullopt when the bytes are not a SavedModel with a meta graph.
std::optional<std::string> saved_model_tensorflow_version(const std::vector<std::byte>& bytes) {
  const auto* begin = reinterpret_cast<const std::uint8_t*>(bytes.data());
  ProtoReader saved_model(begin, begin + bytes.size());
  std::optional<std::string> first, serving;
  while (!saved_model.done()) {
    const auto meta_graph = saved_model.next();
    if (!meta_graph) return std::nullopt;
    if (meta_graph->number != 2 || meta_graph->wire != 2) continue;
    ProtoReader graph(meta_graph->data, meta_graph->data + meta_graph->size);
    std::string version;
    bool serve = false;
    while (!graph.done()) {
      const auto field = graph.next();
      if (!field) return std::nullopt;
      if (field->number != 1 || field->wire != 2) continue;
      ProtoReader info(field->data, field->data + field->size);
      while (!info.done()) {
        const auto f = info.next();
        if (!f) return std::nullopt;
        if (f->number == 4 && f->wire == 2 && text_of(*f) == "serve") serve = true;
        if (f->number == 5 && f->wire == 2) version = text_of(*f);
      }
    }
    if (!first) first = version;
    if (serve && !serving) serving = version;
  }
  return serving ? serving : first;
}

// The folder or .zip holding saved_model.pb (at its root or in its one top folder) that `path` names or
// is; nullopt for anything else. A model.yaml beside it (N2V's zip) does not matter here.
std::optional<fs::path> saved_model_location(const fs::path& path) {
  std::error_code ec;
  const fs::path location = path.filename() == "saved_model.pb" ? (path.has_parent_path() ? path.parent_path() : fs::path(".")) : path;
  if (!fs::is_directory(location, ec) && location.extension() != ".zip") return std::nullopt;
  try {
    if (model::Bundle::open_files(location).contains("saved_model.pb")) return location;
  } catch (const Error&) {
    // not a readable zip: the checks below say what it is
  }
  return std::nullopt;
}

WeightsFile inspect_saved_model(const fs::path& path, const fs::path& location) {
  const auto version = saved_model_tensorflow_version(model::Bundle::open_files(location).read("saved_model.pb"));
  if (!version)
    throw Error(ErrorCode::invalid_argument, "weights \"" + path.string() + "\": its saved_model.pb is not a SavedModel with a meta graph; "
                                                                             "expected a TensorFlow 1 SavedModel (saved_model.pb and variables/)");
  return {"tensorflow_saved_model_bundle", *version, location};
}

}  // namespace

WeightsFile inspect_weights(const fs::path& path, const std::string& requested) {
  std::error_code ec;
  if (!requested.empty() && requested != "torchscript" && requested != "onnx" && requested != "keras_hdf5" &&
      requested != "tensorflow_saved_model_bundle")
    throw Error(ErrorCode::invalid_argument, "weights_format \"" + requested +
                                                 "\" is not supported; expected torchscript, onnx, keras_hdf5 or tensorflow_saved_model_bundle");
  if (const auto location = saved_model_location(path)) {
    if (!requested.empty() && requested != "tensorflow_saved_model_bundle")
      throw Error(ErrorCode::invalid_argument, "weights_format \"" + requested + "\" does not match \"" + path.string() +
                                                   "\", which is a TensorFlow SavedModel; expected weights_format tensorflow_saved_model_bundle");
    return inspect_saved_model(path, *location);
  }
  if (fs::is_directory(path, ec))
    throw Error(ErrorCode::invalid_argument, "weights \"" + path.string() + "\" is a folder without saved_model.pb; expected a TensorFlow "
                                                                             "SavedModel folder (saved_model.pb and variables/), or a TorchScript (.pt), ONNX (.onnx) or Keras HDF5 (.h5) file");
  if (!fs::is_regular_file(path, ec))
    throw Error(ErrorCode::not_found, "weights \"" + path.string() + "\" is not a file; expected a TorchScript (.pt), ONNX (.onnx) or "
                                                                      "Keras HDF5 (.h5) file, or a TensorFlow SavedModel folder or .zip");
  if (requested == "tensorflow_saved_model_bundle")
    throw Error(ErrorCode::invalid_argument, "weights_format \"" + requested + "\" does not match \"" + path.string() +
                                                 "\", which holds no saved_model.pb; expected a SavedModel folder or .zip");
  std::ifstream in(path, std::ios::binary);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const bool zip = bytes.size() >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4;
  // HDF5's format signature, at the file's start as Keras writes it.
  static constexpr std::uint8_t kHdf5Signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  const bool hdf5 = bytes.size() >= 8 && std::equal(kHdf5Signature, kHdf5Signature + 8, bytes.begin());
  const std::optional<std::int64_t> opset = zip || hdf5 ? std::nullopt : onnx_opset(bytes);
  const std::string found = zip ? "torchscript" : hdf5 ? "keras_hdf5" : opset ? "onnx" : "";
  if (found.empty())
    throw Error(ErrorCode::invalid_argument, "weights \"" + path.string() +
                                                 "\" is neither a TorchScript archive (a zip), an ONNX model with an opset nor an HDF5 file; "
                                                 "expected a .pt saved by torch.jit.save, a .onnx saved by torch.onnx.export or a Keras .h5");
  if (!requested.empty() && requested != found)
    throw Error(ErrorCode::invalid_argument, "weights_format \"" + requested + "\" does not match \"" + path.string() +
                                                 "\", which is " + (zip ? "a TorchScript archive" : hdf5 ? "an HDF5 file" : "an ONNX model") +
                                                 "; expected weights_format " + found);
  return {found, opset ? std::to_string(*opset) : "", path};
}

}  // namespace deepimage::build
