// The GraphDef passes on small graphs written here: constant Switch/Merge, both dropout forms, names.
#include "engine/tf/graph_passes.hpp"

#include <gtest/gtest.h>

#include "deepimage/error.hpp"

namespace deepimage::testing {
namespace {

namespace tf = engine::tf;
namespace tfproto = deepimage::tfproto;

tfproto::NodeDef& add(tfproto::GraphDef& g, const std::string& name, const std::string& op, std::vector<std::string> inputs = {}) {
  tfproto::NodeDef& n = *g.add_node();
  n.set_name(name);
  n.set_op(op);
  for (auto& i : inputs) n.add_input(i);
  return n;
}

void add_bool_const(tfproto::GraphDef& g, const std::string& name, bool value) {
  auto& t = *(*add(g, name, "Const").mutable_attr())["value"].mutable_tensor();
  t.set_dtype(tfproto::DT_BOOL);
  t.add_bool_val(value);
}

const tfproto::NodeDef& node(const tfproto::GraphDef& g, const std::string& name) {
  const tfproto::NodeDef* n = tf::find_node(g, name);
  if (!n) throw std::runtime_error("no node " + name);
  return *n;
}

TEST(TensorNames, ParseAndPrint) {
  EXPECT_EQ(tf::to_string(tf::parse_tensor_name("a/b")), "a/b:0");
  EXPECT_EQ(tf::to_string(tf::parse_tensor_name("a/b:2")), "a/b:2");
  EXPECT_TRUE(tf::parse_tensor_name("^a").control);
  EXPECT_THROW(tf::parse_tensor_name("a:x"), Error);
  EXPECT_THROW(tf::parse_tensor_name(":1"), Error);
}

// Keras's Dropout in TF1: cond(learning_phase, lambda: dropout(x), lambda: x).
tfproto::GraphDef keras_dropout_cond() {
  tfproto::GraphDef g;
  add(g, "x", "Placeholder");
  add(g, "lp", "PlaceholderWithDefault", {"lp/input"});
  add_bool_const(g, "lp/input", true);
  add(g, "cond/pred_id", "Identity", {"lp"});
  add(g, "cond/mul/Switch", "Switch", {"x", "cond/pred_id"});
  add(g, "cond/mul", "Mul", {"cond/mul/Switch:1", "one"});
  add(g, "one", "Const");
  add(g, "cond/shape", "Shape", {"cond/mul"});
  add(g, "cond/random", "RandomUniform", {"cond/shape"});
  add(g, "cond/add", "Add", {"keep", "cond/random"});
  add(g, "keep", "Const");
  add(g, "cond/floor", "Floor", {"cond/add"});
  add(g, "cond/div", "RealDiv", {"cond/mul", "keep"});
  add(g, "cond/dropout", "Mul", {"cond/div", "cond/floor"});
  add(g, "cond/Switch_1", "Switch", {"x", "cond/pred_id"});
  add(g, "cond/Merge", "Merge", {"cond/Switch_1", "cond/dropout"});
  add(g, "y", "Relu", {"cond/Merge", "^lp"});
  return g;
}

TEST(GraphPasses, LearningPhaseFalseTakesTheSwitchesFalseBranch) {
  tfproto::GraphDef g = keras_dropout_cond();
  g.mutable_node(1)->set_name("dropout/keras_learning_phase");
  for (auto& n : *g.mutable_node())
    for (auto& i : *n.mutable_input())
      if (i == "lp" || i == "^lp") i = (i[0] == '^' ? "^" : "") + std::string("dropout/keras_learning_phase");
  EXPECT_EQ(tf::fold_learning_phase(g, {"x"}), 1);
  EXPECT_EQ(tf::resolve_switches(g), 2);
  tf::prune_graph(g, {"y"});
  // y = Relu(Identity(x)): the Merge became Identity of the false branch, which is x itself.
  ASSERT_EQ(g.node_size(), 3);
  EXPECT_EQ(node(g, "cond/Merge").op(), "Identity");
  EXPECT_EQ(node(g, "cond/Merge").input(0), "x");
  EXPECT_EQ(node(g, "y").input_size(), 1);  // the control input is gone
}

TEST(GraphPasses, AFetchOnTheBranchNotTakenIsRefused) {
  tfproto::GraphDef g = keras_dropout_cond();
  g.mutable_node(1)->set_name("keras_learning_phase");
  for (auto& n : *g.mutable_node())
    for (auto& i : *n.mutable_input())
      if (i == "lp") i = "keras_learning_phase";
  tf::fold_learning_phase(g, {"x"});
  try {
    tf::resolve_switches(g, {"cond/dropout"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
    EXPECT_NE(std::string(e.what()).find("\"cond/dropout\" is computed only on a branch"), std::string::npos) << e.what();
  }
}

TEST(GraphPasses, ConstantTrueTakesTheTrueBranchAndFeedsStayUnfolded) {
  tfproto::GraphDef g = keras_dropout_cond();
  // "lp" is no learning phase by name: its default (true) decides; make it a Const to resolve.
  g.mutable_node(1)->set_op("Identity");
  EXPECT_EQ(tf::fold_learning_phase(g, {}), 0);
  EXPECT_EQ(tf::resolve_switches(g), 2);
  EXPECT_EQ(node(g, "cond/mul").input(0), "x");
  EXPECT_EQ(node(g, "cond/Merge").op(), "Identity");
  EXPECT_EQ(node(g, "cond/Merge").input(0), "cond/dropout");
  // The training-mode dropout then left is bypassed to its input.
  EXPECT_EQ(tf::bypass_dropout(g), 1);
  tf::prune_graph(g, {"y"});
  EXPECT_EQ(node(g, "cond/dropout").op(), "Identity");
  EXPECT_EQ(node(g, "cond/dropout").input(0), "cond/mul");
  EXPECT_EQ(tf::find_node(g, "cond/random"), nullptr);
}

TEST(GraphPasses, BypassesTheTf113DropoutForm) {
  tfproto::GraphDef g;
  add(g, "x", "Placeholder");
  add(g, "scale", "Const");
  add(g, "rate", "Const");
  add(g, "drop/mul", "Mul", {"x", "scale"});
  add(g, "drop/shape", "Shape", {"x"});
  add(g, "drop/random_uniform/RandomUniform", "RandomUniform", {"drop/shape"});
  add(g, "drop/random_uniform", "Mul", {"drop/random_uniform/RandomUniform", "one"});
  add(g, "one", "Const");
  add(g, "drop/ge", "GreaterEqual", {"drop/random_uniform", "rate"});
  add(g, "drop/cast", "Cast", {"drop/ge"});
  add(g, "drop/mul_1", "Mul", {"drop/cast", "drop/mul"});
  add(g, "y", "Relu", {"drop/mul_1"});
  EXPECT_EQ(tf::bypass_dropout(g), 1);
  tf::prune_graph(g, {"y"});
  EXPECT_EQ(node(g, "drop/mul_1").op(), "Identity");
  EXPECT_EQ(node(g, "drop/mul_1").input(0), "x");
  EXPECT_EQ(g.node_size(), 3);
}

TEST(GraphPasses, LeavesAnOrdinaryMulAlone) {
  tfproto::GraphDef g;
  add(g, "x", "Placeholder");
  add(g, "k", "Const");
  add(g, "div", "RealDiv", {"x", "k"});
  add(g, "floor", "Floor", {"x"});
  add(g, "y", "Mul", {"div", "floor"});  // no RandomUniform behind the Floor: not dropout
  EXPECT_EQ(tf::bypass_dropout(g), 0);
  EXPECT_EQ(node(g, "y").op(), "Mul");
}

TEST(GraphPasses, RefusesLoops) {
  tfproto::GraphDef g;
  add(g, "a", "Add", {"b"});
  add(g, "b", "NextIteration", {"a"});
  EXPECT_THROW(tf::topological_order(g), Error);
}

}  // namespace
}  // namespace deepimage::testing
