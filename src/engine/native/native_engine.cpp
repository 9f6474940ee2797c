#include "engine/native/native_engine.hpp"

#include <algorithm>
#include <future>
#include <list>

#include "deepimage/error.hpp"
#include "engine/graph/passes.hpp"
#include "engine/native/dnnl_executor.hpp"
#include "engine/native/graph_importers.hpp"

namespace deepimage::engine {
namespace {

// Plans kept per engine: the run's tile shape, the memory probe's two shapes, and one spare.
constexpr std::size_t kPlansKept = 4;

std::string join_quoted(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "\"" : ", \"") + i + "\"";
  return s;
}

std::vector<std::string> names_of(const graph::Graph& g, const std::vector<graph::ValueId>& ids) {
  std::vector<std::string> names;
  for (graph::ValueId id : ids) names.push_back(g.value(id).name);
  return names;
}

class NativeEngine final : public Engine {
 public:
  NativeEngine(graph::Graph graph, const ModelSpec& spec, const EngineOptions& options)
      : graph_(with_free_input_sizes(std::move(graph))),
        input_order_(match_rdf_tensors(spec.inputs, names_of(graph_, graph_.inputs), "inputs", graph_.source)),
        output_order_(match_rdf_tensors(spec.outputs, names_of(graph_, graph_.outputs), "outputs", graph_.source)),
        options_{.threads = options.threads, .precision = options.precision} {}

  // The rdf's element type is what the runner feeds. A graph input of another type takes the values
  // converted, as TensorFlow's session converts a fed array to its placeholder's type (tiktorch's dummy
  // SavedModel declares uint8 in its rdf for a float32 placeholder).
  std::vector<Tensor> run(const std::vector<Tensor>& inputs) override {
    bool same_types = true;
    for (std::size_t k = 0; k < inputs.size() && k < input_order_.size(); ++k)
      same_types = same_types && (inputs[k].empty() || inputs[k].dtype() == graph_.value(graph_.inputs.at(input_order_[k])).dtype);
    if (same_types) return run_graph_types(inputs);
    std::vector<Tensor> converted;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      const DType want = k < input_order_.size() ? graph_.value(graph_.inputs.at(input_order_[k])).dtype : inputs[k].dtype();
      converted.push_back(inputs[k].empty() || inputs[k].dtype() == want ? inputs[k] : inputs[k].converted(want));
    }
    return run_graph_types(converted);
  }

  // The plan (specialised graph, oneDNN primitives, arena) for these shapes is built on another
  // thread: 40-110 ms for a U-Net tile, mostly oneDNN generating its kernels, which the runner's
  // reading and normalising of the image hides.
  void prepare(const std::vector<Shape>& input_shapes) override {
    if (input_shapes.size() != input_order_.size() || pending_.valid()) return;
    std::vector<Shape> shapes(input_shapes.size());
    for (std::size_t k = 0; k < input_shapes.size(); ++k) {
      if (input_shapes[k].empty()) return;  // run() refuses an input left out
      shapes[input_order_[k]] = input_shapes[k];
    }
    if (std::any_of(plans_.begin(), plans_.end(), [&](const Plan& p) { return p.shapes == shapes; })) return;
    pending_shapes_ = shapes;
    pending_ = std::async(std::launch::async, [this, shapes] {
      return std::make_unique<native::DnnlExecutor>(graph::specialize(graph_, shapes), options_);
    });
  }

 private:
  std::vector<Tensor> run_graph_types(const std::vector<Tensor>& inputs) {
    std::vector<Shape> shapes(inputs.size());
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      const graph::Value& v = graph_.value(graph_.inputs.at(input_order_.at(k)));
      if (inputs[k].empty())
        throw Error(ErrorCode::unsupported, graph_.source + ": input \"" + v.name +
                                                "\" was left out; the graph needs every input");
      shapes[input_order_[k]] = inputs[k].shape();
    }
    native::DnnlExecutor& executor = plan_for(shapes);
    std::vector<Tensor> graph_outputs;
    if (std::is_sorted(input_order_.begin(), input_order_.end())) {
      graph_outputs = executor.run(inputs);  // the usual case: no reordering, no copy of the tile
    } else {
      std::vector<Tensor> graph_inputs(inputs.size());
      for (std::size_t k = 0; k < inputs.size(); ++k) graph_inputs[input_order_[k]] = inputs[k];
      graph_outputs = executor.run(graph_inputs);
    }
    std::vector<Tensor> outputs;
    for (std::size_t k : output_order_) outputs.push_back(std::move(graph_outputs.at(k)));
    return outputs;
  }

  native::DnnlExecutor& plan_for(const std::vector<Shape>& shapes) {
    if (pending_.valid()) {
      // Waits for the plan being built ahead; its errors are this run's when the shapes are the same
      // (as if built here), and dropped otherwise (the tiles changed after it started).
      std::unique_ptr<native::DnnlExecutor> prepared;
      if (pending_shapes_ == shapes) {
        prepared = pending_.get();
      } else {
        try {
          prepared = pending_.get();
        } catch (const std::exception&) {
        }
      }
      if (prepared) keep(pending_shapes_, std::move(prepared));
    }
    const auto it = std::find_if(plans_.begin(), plans_.end(), [&](const Plan& p) { return p.shapes == shapes; });
    if (it != plans_.end()) {
      plans_.splice(plans_.begin(), plans_, it);  // most recently used first
      return *plans_.front().executor;
    }
    keep(shapes, std::make_unique<native::DnnlExecutor>(graph::specialize(graph_, shapes), options_));
    return *plans_.front().executor;
  }

  void keep(const std::vector<Shape>& shapes, std::unique_ptr<native::DnnlExecutor> executor) {
    if (plans_.size() == kPlansKept) plans_.pop_back();
    plans_.push_front({shapes, std::move(executor)});
  }

  struct Plan {
    std::vector<Shape> shapes;
    std::unique_ptr<native::DnnlExecutor> executor;
  };

  graph::Graph graph_;
  std::vector<std::size_t> input_order_, output_order_;
  native::ExecutorOptions options_;
  std::list<Plan> plans_;
  // Declared last, so destroyed first: waits for a plan still being built before what it reads goes.
  std::vector<Shape> pending_shapes_;
  std::future<std::unique_ptr<native::DnnlExecutor>> pending_;
};

}  // namespace

std::vector<std::size_t> match_rdf_tensors(const std::vector<TensorSpec>& rdf_tensors, const std::vector<std::string>& graph,
                                           const std::string& what, const std::string& source) {
  std::vector<std::string> rdf;
  for (const auto& t : rdf_tensors) rdf.push_back(t.id);
  if (rdf.size() != graph.size())
    throw Error(ErrorCode::bad_model, source + ": the graph has " + std::to_string(graph.size()) + " " + what + " (" +
                                          join_quoted(graph) + ") but the rdf declares " + std::to_string(rdf.size()) +
                                          " (" + join_quoted(rdf) + ")");
  std::vector<std::size_t> order;
  for (const auto& name : rdf) {
    const auto it = std::find(graph.begin(), graph.end(), name);
    if (it == graph.end()) break;
    order.push_back(static_cast<std::size_t>(it - graph.begin()));
  }
  if (order.size() == rdf.size()) return order;
  order.clear();
  for (std::size_t k = 0; k < rdf.size(); ++k) order.push_back(k);
  return order;
}

std::unique_ptr<Engine> load_native(const model::Model& model, const WeightsSpec& weights, const EngineOptions& options) {
  return std::make_unique<NativeEngine>(import_graph(model, weights), model.spec, options);
}

}  // namespace deepimage::engine
