// OpenCV DNN's multi-line exceptions become one line: checked on messages recorded from OpenCV 4.6.0
// (Debian bookworm) while importing real and hand-made ONNX files.
#include <gtest/gtest.h>

#include "engine/onnx/opencv_error.hpp"

namespace deepimage::engine {
namespace {

TEST(OpenCvError, UnknownOperatorNamesTheOperatorAndNode) {
  const auto f = parse_opencv_error(
      "OpenCV(4.6.0) ./modules/dnn/src/onnx/onnx_importer.cpp:1040: error: (-2:Unspecified error) in function "
      "'handleNode'\n> Node [Hardmax@ai.onnx]:(onnx_node!my_hardmax) parse error: OpenCV(4.6.0) "
      "./modules/dnn/src/layer_internals.hpp:110: error: (-2:Unspecified error) Can't create layer "
      "\"onnx_node!my_hardmax\" of type \"Hardmax\" in function 'getLayerInstance'\n> ");
  EXPECT_EQ(f.op_type, "Hardmax");
  EXPECT_EQ(f.node, "my_hardmax");
  EXPECT_TRUE(f.unknown_operator);
  EXPECT_EQ(f.reason, "Can't create layer \"onnx_node!my_hardmax\" of type \"Hardmax\" (in getLayerInstance)");
}

TEST(OpenCvError, FailedAssertionInsideANodeKeepsTheInnermostReason) {
  // unet2d_multi_tensor's opset-12 export: shape arithmetic OpenCV 4.6 cannot fold.
  const auto f = parse_opencv_error(
      "OpenCV(4.6.0) ./modules/dnn/src/onnx/onnx_importer.cpp:1040: error: (-2:Unspecified error) in function "
      "'handleNode'\n> Node [Sub@ai.onnx]:(onnx_node!Sub_79) parse error: OpenCV(4.6.0) "
      "./modules/dnn/src/onnx/onnx_importer.cpp:1464: error: (-215:Assertion failed) blob_0.size == blob_1.size in "
      "function 'parseBias'\n> ");
  EXPECT_EQ(f.op_type, "Sub");
  EXPECT_EQ(f.node, "Sub_79");
  EXPECT_FALSE(f.unknown_operator);
  EXPECT_EQ(f.reason, "assertion failed: blob_0.size == blob_1.size (in parseBias)");
}

TEST(OpenCvError, CheckMacroDetailsAndAnUnnamedNode) {
  // An opset-11 Clip with min/max operands; the node has no name, so OpenCV names it by its output.
  const auto f = parse_opencv_error(
      "OpenCV(4.6.0) ./modules/dnn/src/onnx/onnx_importer.cpp:1040: error: (-2:Unspecified error) in function "
      "'handleNode'\n> Node [Clip@ai.onnx]:(onnx_node_output_0!y) parse error: OpenCV(4.6.0) "
      "./modules/dnn/src/onnx/onnx_importer.cpp:1934: error: (-2:Unspecified error) in function 'void "
      "cv::dnn::dnn4_v20220524::ONNXImporter::parseClip(cv::dnn::dnn4_v20220524::LayerParams&, const "
      "opencv_onnx::NodeProto&)'\n> >  (expected: 'node_proto.input_size() == 1'), where\n> >     "
      "'node_proto.input_size()' is 3\n> > must be equal to\n> >     '1' is 1\n> ");
  EXPECT_EQ(f.op_type, "Clip");
  EXPECT_EQ(f.node, "y");
  EXPECT_EQ(f.reason,
            "(expected: 'node_proto.input_size() == 1'), where 'node_proto.input_size()' is 3 must be equal to '1' is 1 "
            "(in parseClip)");
}

TEST(OpenCvError, MessageWithoutANode) {
  const auto f = parse_opencv_error(
      "OpenCV(4.6.0) ./modules/dnn/src/onnx/onnx_importer.cpp:310: error: (-215:Assertion failed) tensor.has_shape() "
      "in function 'dumpValueInfoProto'\n");
  EXPECT_TRUE(f.op_type.empty());
  EXPECT_EQ(f.reason, "assertion failed: tensor.has_shape() (in dumpValueInfoProto)");
}

TEST(OpenCvError, ForeignMessageKeepsItsFirstLine) {
  const auto f = parse_opencv_error("CHECK failed: (index) < (current_size_): \nmore");
  EXPECT_EQ(f.reason, "CHECK failed: (index) < (current_size_):");
}

}  // namespace
}  // namespace deepimage::engine
