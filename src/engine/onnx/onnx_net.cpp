#include "engine/onnx/onnx_net.hpp"

#include <onnx/onnx_pb.h>

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

#include <cstring>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "deepimage/error.hpp"
#include "engine/onnx/onnx_version.hpp"
#include "engine/onnx/opencv_error.hpp"

namespace deepimage::engine {
namespace {

// What the graph declares, read with ONNX's own protobuf classes: OpenCV 4.6 does not tell the input
// names, and loses an output's rank (a 1-d result comes back as a 2-d Mat).
struct GraphSignature {
  std::vector<std::string> inputs, outputs;
  std::vector<std::vector<std::int64_t>> output_shapes;  // empty when a dimension is not a fixed number
  std::vector<std::string> linear_upsample_nodes;        // nodes OpenCV 4.6 is known to compute wrongly
};

// OpenCV DNN 4.6 imports the opset <= 9 Upsample in mode "linear" but computes it differently from the
// ONNX specification, as comparing with ONNX Runtime on a real model showed (docs/engines.md): the
// run goes on, with a warning.
bool is_linear_upsample(const onnx::NodeProto& node) {
  if (node.op_type() != "Upsample") return false;
  for (const auto& a : node.attribute())
    if (a.name() == "mode" && a.s() == "linear") return true;
  return false;
}

GraphSignature read_signature(std::span<const std::byte> bytes, const std::string& source) {
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw Error(ErrorCode::bad_model, source + ": not an ONNX model (protobuf ModelProto does not parse)");
  GraphSignature s;
  std::set<std::string> initializers;
  for (const auto& init : model.graph().initializer()) initializers.insert(init.name());
  // Files exported with IR version < 4 list their weights among the inputs as well.
  for (const auto& in : model.graph().input())
    if (!initializers.count(in.name())) s.inputs.push_back(in.name());
  for (const auto& out : model.graph().output()) {
    s.outputs.push_back(out.name());
    std::vector<std::int64_t> shape;
    bool known = out.type().has_tensor_type() && out.type().tensor_type().has_shape();
    if (known)
      for (const auto& d : out.type().tensor_type().shape().dim()) {
        if (!d.has_dim_value()) known = false;
        shape.push_back(d.dim_value());
      }
    s.output_shapes.push_back(known ? shape : std::vector<std::int64_t>{});
  }
  for (const auto& node : model.graph().node()) {
    if (is_linear_upsample(node)) s.linear_upsample_nodes.push_back(node.name());
    // OpenCV 4.6's Dropout copies input k to output k for every output, so a mask output makes it
    // read past its one input: memory errors (valgrind) and crashes that depend on the heap layout.
    if (node.op_type() == "Dropout" && node.output_size() > 1 && !node.output(1).empty())
      throw Error(ErrorCode::unsupported, source + ": " + opencv_dnn_version() + " cannot run the ONNX operator \"Dropout\" with a mask output" +
                                              (node.name().empty() ? std::string() : " (node \"" + node.name() + "\")") +
                                              ": it reads past its inputs");
  }
  return s;
}

// OpenCV's thread pool and log level are process-wide.
void configure_opencv(int threads) {
  static std::once_flag once;
  // OpenCV prints its own "[ERROR]" lines before throwing; we report the exception once, ourselves.
  std::call_once(once, [] { cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT); });
  cv::setNumThreads(threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

// One line: which operator or node OpenCV failed on, in which file, and why.
Error import_error(const std::string& what, const std::string& source) {
  const OpenCvFailure f = parse_opencv_error(what);
  if (f.unknown_operator && !f.op_type.empty())
    return Error(ErrorCode::unsupported, source + ": " + opencv_dnn_version() + " does not support the ONNX operator \"" +
                                             f.op_type + "\" (node \"" + f.node + "\")");
  if (!f.op_type.empty())
    return Error(ErrorCode::unsupported, source + ": " + opencv_dnn_version() + " cannot import node \"" + f.node +
                                             "\" (ONNX operator \"" + f.op_type + "\"): " + f.reason);
  return Error(ErrorCode::unsupported, source + ": " + opencv_dnn_version() + " cannot import this ONNX file: " + f.reason);
}

cv::Mat as_blob(const Tensor& t, const std::string& name, const std::string& source) {
  if (t.dtype() != DType::f32)
    throw Error(ErrorCode::unsupported, source + ": input \"" + name + "\" is " + std::string(to_string(t.dtype())) +
                                            "; the onnx engine (OpenCV DNN) takes float32 tensors");
  std::vector<int> sizes(t.shape().begin(), t.shape().end());
  if (sizes.empty()) sizes.push_back(1);  // a scalar is a one-element blob to OpenCV
  // Wraps our buffer without copying; setInput keeps it only until forward() returns.
  return cv::Mat(static_cast<int>(sizes.size()), sizes.data(), CV_32F, const_cast<std::byte*>(t.bytes()));
}

Tensor from_blob(const cv::Mat& m, const std::vector<std::int64_t>& declared_shape) {
  cv::Mat f;
  if (m.depth() == CV_32F) f = m.isContinuous() ? m : m.clone();
  else m.convertTo(f, CV_32F);
  Shape shape;
  for (int i = 0; i < f.dims; ++i) shape.push_back(f.size[i]);
  if (!declared_shape.empty() && element_count(declared_shape) == element_count(shape)) shape = declared_shape;
  Tensor t(DType::f32, shape);
  std::memcpy(t.bytes(), f.data, t.byte_count());
  return t;
}

}  // namespace

struct OnnxNet::Impl {
  cv::dnn::Net net;
  GraphSignature signature;
  std::string source;
  int threads = 0;
};

OnnxNet::OnnxNet(std::span<const std::byte> onnx_bytes, std::string source, int threads) : impl_(std::make_unique<Impl>()) {
  impl_->source = std::move(source);
  impl_->threads = threads;
  impl_->signature = read_signature(onnx_bytes, impl_->source);
  configure_opencv(threads);
  try {
    impl_->net = cv::dnn::readNetFromONNX(reinterpret_cast<const char*>(onnx_bytes.data()), onnx_bytes.size());
  } catch (const std::exception& e) {  // cv::Exception, or a protobuf CHECK failure inside the importer
    throw import_error(e.what(), impl_->source);
  }
  impl_->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  impl_->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  if (const auto& nodes = impl_->signature.linear_upsample_nodes; !nodes.empty()) {
    std::string names;
    for (const auto& n : nodes) names += (names.empty() ? "\"" : ", \"") + n + "\"";
    std::cerr << "warning: " << impl_->source << ": " << opencv_dnn_version() << " computes Upsample in mode linear (node"
              << (nodes.size() > 1 ? "s " : " ") << names << ") differently from the ONNX specification; results can differ "
              << "from other runtimes by 0.1 or more\n";
  }
}

OnnxNet::~OnnxNet() = default;

const std::vector<std::string>& OnnxNet::input_names() const { return impl_->signature.inputs; }
const std::vector<std::string>& OnnxNet::output_names() const { return impl_->signature.outputs; }

std::vector<Tensor> OnnxNet::run(const std::vector<Tensor>& inputs) {
  const GraphSignature& sig = impl_->signature;
  if (inputs.size() != sig.inputs.size())
    throw Error(ErrorCode::internal, impl_->source + ": " + std::to_string(inputs.size()) + " inputs given, the graph has " +
                                         std::to_string(sig.inputs.size()));
  // Another engine or net in the process may have changed the process-wide thread count since load.
  cv::setNumThreads(impl_->threads > 0 ? impl_->threads
                                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  std::vector<cv::Mat> outs;
  try {
    for (std::size_t i = 0; i < inputs.size(); ++i)
      impl_->net.setInput(as_blob(inputs[i], sig.inputs[i], impl_->source), sig.inputs[i]);
    impl_->net.forward(outs, sig.outputs);
  } catch (const cv::Exception& e) {
    const OpenCvFailure f = parse_opencv_error(e.what());
    throw Error(ErrorCode::engine, impl_->source + ": " + opencv_dnn_version() + " forward failed" +
                                       (f.node.empty() ? "" : " in node \"" + f.node + "\"") + ": " + f.reason);
  }
  std::vector<Tensor> result;
  for (std::size_t i = 0; i < outs.size(); ++i) result.push_back(from_blob(outs[i], sig.output_shapes.at(i)));
  return result;
}

std::string opencv_dnn_version() { return onnx_library_version(); }

}  // namespace deepimage::engine
