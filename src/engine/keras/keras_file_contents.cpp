#include "engine/keras/keras_file_contents.hpp"

#include <cstring>
#include <set>

#include <nlohmann/json.hpp>

#include "deepimage/error.hpp"
#include "engine/keras/child_process.hpp"
#include "engine/keras/hdf5_file.hpp"

namespace deepimage::engine::keras {
namespace {

// "conv2d_1_4/kernel:0" -> "kernel"
std::string short_weight_name(const std::string& full) {
  std::string name = full.substr(full.rfind('/') == std::string::npos ? 0 : full.rfind('/') + 1);
  if (const auto colon = name.rfind(':'); colon != std::string::npos) name.resize(colon);
  return name;
}

// Every layer name in a model_config (nested models' layers included).
void collect_layer_names(const nlohmann::json& j, std::set<std::string>& names) {
  if (j.is_object()) {
    if (j.contains("class_name") && j.contains("config") && j["config"].is_object() && j["config"].contains("name") &&
        j["config"]["name"].is_string())
      names.insert(j["config"]["name"].get<std::string>());
    for (const auto& [key, value] : j.items()) collect_layer_names(value, names);
  } else if (j.is_array()) {
    for (const auto& value : j) collect_layer_names(value, names);
  }
}

// In this process: what the child does.
KerasFileContents read_here(const std::vector<std::byte>& bytes, const std::string& source) {
  const Hdf5File file(bytes, source);
  KerasFileContents c;
  c.model_config = file.string_attribute("/", "model_config");
  c.keras_version = file.string_attribute("/", "keras_version").value_or("");
  c.backend = file.string_attribute("/", "backend").value_or("");
  const std::string group = file.has_object("/model_weights") ? "/model_weights" : "";
  std::set<std::string> layers;
  if (const auto listed = file.string_list_attribute(group.empty() ? "/" : group, "layer_names")) layers.insert(listed->begin(), listed->end());
  if (c.model_config) {
    try {
      collect_layer_names(nlohmann::json::parse(*c.model_config), layers);
    } catch (const nlohmann::json::exception&) {
      // not JSON: KerasModelFile says so, with the parser's words
    }
  }
  for (const std::string& layer : layers) {
    const std::string path = group + "/" + layer;
    if (layer.empty() || layer.find('/') != std::string::npos || !file.has_object(path)) continue;
    const auto names = file.string_list_attribute(path, "weight_names");
    if (!names || names->empty()) continue;
    auto& weights = c.weights[layer];
    for (const auto& name : *names) weights.push_back({short_weight_name(name), file.float_dataset(path + "/" + name)});
  }
  return c;
}

// The pipe's message: "OK" and the contents, or "ER", an error code and its message. Numbers are
// 8 bytes in this machine's order (both ends are this process's binary).
class Writer {
 public:
  void u64(std::uint64_t v) { bytes(&v, sizeof v); }
  void text(const std::string& s) { u64(s.size()), bytes(s.data(), s.size()); }
  void bytes(const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); }
  std::string out;
};

class Reader {
 public:
  Reader(const std::string& in, const std::string& source) : in_(in), source_(source) {}
  std::uint64_t u64() {
    std::uint64_t v = 0;
    bytes(&v, sizeof v);
    return v;
  }
  std::string text() {
    const std::uint64_t n = u64();
    need(n);
    std::string s = in_.substr(at_, n);
    at_ += n;
    return s;
  }
  void bytes(void* p, std::size_t n) {
    need(n);
    std::memcpy(p, in_.data() + at_, n);
    at_ += n;
  }
  bool done() const { return at_ == in_.size(); }

 private:
  void need(std::uint64_t n) const {
    if (n > in_.size() - at_) throw Error(ErrorCode::internal, source_ + ": the HDF5 reader's message is cut short");
  }
  const std::string& in_;
  const std::string& source_;
  std::size_t at_ = 0;
};

std::string encode(const KerasFileContents& c) {
  Writer w;
  w.bytes("OK", 2);
  w.u64(c.model_config ? 1 : 0);
  w.text(c.model_config.value_or(""));
  w.text(c.keras_version);
  w.text(c.backend);
  w.u64(c.weights.size());
  for (const auto& [layer, weights] : c.weights) {
    w.text(layer);
    w.u64(weights.size());
    for (const LayerWeight& weight : weights) {
      w.text(weight.name);
      w.u64(weight.value.rank());
      for (auto d : weight.value.shape()) w.u64(static_cast<std::uint64_t>(d));
      w.bytes(weight.value.bytes(), weight.value.byte_count());
    }
  }
  return std::move(w.out);
}

std::string encode_error(ErrorCode code, const std::string& message) {
  Writer w;
  w.bytes("ER", 2), w.u64(static_cast<std::uint64_t>(code)), w.text(message);
  return std::move(w.out);
}

KerasFileContents decode(const std::string& message, const std::string& source) {
  Reader r(message, source);
  char tag[2];
  r.bytes(tag, 2);
  if (std::memcmp(tag, "ER", 2) == 0) {
    const auto code = static_cast<ErrorCode>(r.u64());
    throw Error(code, r.text());
  }
  if (std::memcmp(tag, "OK", 2) != 0) throw Error(ErrorCode::internal, source + ": the HDF5 reader's message is garbled");
  KerasFileContents c;
  const bool has_config = r.u64() != 0;
  std::string config = r.text();
  if (has_config) c.model_config = std::move(config);
  c.keras_version = r.text();
  c.backend = r.text();
  for (std::uint64_t layers = r.u64(); layers > 0; --layers) {
    const std::string layer = r.text();
    auto& weights = c.weights[layer];
    for (std::uint64_t n = r.u64(); n > 0; --n) {
      LayerWeight weight;
      weight.name = r.text();
      Shape shape(r.u64());
      for (auto& d : shape) d = static_cast<std::int64_t>(r.u64());
      weight.value = Tensor(DType::f32, shape);
      r.bytes(weight.value.bytes(), weight.value.byte_count());
      weights.push_back(std::move(weight));
    }
  }
  if (!r.done()) throw Error(ErrorCode::internal, source + ": the HDF5 reader's message is longer than its contents");
  return c;
}

// Processor time the reader may take: reading is a copy of the weights plus HDF5's bookkeeping
// (milliseconds for the models we know), so 10 s, and 1 s more per 32 MiB, is far beyond any real file,
// and bounds a corrupt one on which libhdf5 loops forever.
unsigned reader_cpu_seconds(std::size_t file_bytes) { return 10 + static_cast<unsigned>(file_bytes >> 25); }

}  // namespace

KerasFileContents read_keras_file(const std::vector<std::byte>& bytes, const std::string& source) {
  // libhdf5 allocates, and fills, what a corrupt file declares: a variable-length string of 4 GiB from
  // an 8 KB file (found by fuzzing: 15 s and 4 GiB of page faults). The child gets room for the file's
  // values many times over and 1 GiB, no more: past that, HDF5's allocation fails and it reports an error.
  const ChildLimits limits{.cpu_seconds = reader_cpu_seconds(bytes.size()),
                           .extra_address_space = (std::uint64_t{1} << 30) + 8 * static_cast<std::uint64_t>(bytes.size())};
  const ChildResult child = run_in_child(
      [&] {
        try {
          return encode(read_here(bytes, source));
        } catch (const Error& e) {
          return encode_error(e.code(), e.what());
        } catch (const std::exception& e) {
          return encode_error(ErrorCode::bad_model, source + ": " + e.what());
        }
      },
      limits);
  if (child.end == ChildResult::End::out_of_time)
    throw Error(ErrorCode::bad_model, source + " is a corrupt HDF5 file: libhdf5 did not finish reading it in " +
                                          std::to_string(limits.cpu_seconds) + " s of processor time (it loops on some corrupt files)");
  if (child.end == ChildResult::End::crashed || child.output.size() < 2)
    throw Error(ErrorCode::bad_model,
                source + " is a corrupt HDF5 file: libhdf5 failed while reading it (" + (child.how.empty() ? "no result" : child.how) + ")");
  return decode(child.output, source);
}

}  // namespace deepimage::engine::keras
