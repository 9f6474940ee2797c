// OnnxNet — an ONNX file loaded into OpenCV DNN (CPU): its graph's input and output names, one
// forward pass. The onnx engine wraps it for rdf bundles; the conformance tests use it directly
// on ONNX's own operator tests, so both go through the same loading and running code.
//
//   OnnxNet net(bytes, "weights.onnx", 2);               // throws Error naming the operator on failure
//   std::vector<Tensor> outs = net.run({x});             // in the order of input_names()/output_names()
//
// Tensors are float32, laid out as ONNX expects (NCHW, NCDHW, ...). No OpenCV type is visible here.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "deepimage/tensor.hpp"

namespace deepimage::engine {

class OnnxNet {
 public:
  // `source` names the file in error messages. threads <= 0: all cores.
  OnnxNet(std::span<const std::byte> onnx_bytes, std::string source, int threads);
  ~OnnxNet();
  OnnxNet(const OnnxNet&) = delete;
  OnnxNet& operator=(const OnnxNet&) = delete;

  // Graph inputs that are fed at run time (initializers excluded), and graph outputs, in file order.
  const std::vector<std::string>& input_names() const;
  const std::vector<std::string>& output_names() const;

  std::vector<Tensor> run(const std::vector<Tensor>& inputs);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string opencv_dnn_version();  // "OpenCV DNN 4.6.0"

}  // namespace deepimage::engine
