#include "run/sample_source.hpp"

#include "deepimage/error.hpp"

namespace deepimage::run {

std::vector<Shape> sample_shapes(const std::vector<const SampleSource*>& inputs) {
  std::vector<Shape> shapes;
  for (const SampleSource* in : inputs) shapes.push_back(in ? in->sample_shape() : Shape{});
  return shapes;
}

void check_loops_alike(const std::vector<const SampleSource*>& inputs) {
  const SampleSource& first = *inputs.at(0);
  const StackLoop& loop = first.loop();
  for (const SampleSource* in : inputs)
    if (in && (in->loop().axes != loop.axes || in->loop().sizes != loop.sizes))
      throw Error(ErrorCode::invalid_argument, in->name() + " has samples along \"" + in->loop().axes + "\" " +
                                                   shape_to_string(in->loop().sizes) + " but " + first.name() + " along \"" +
                                                   loop.axes + "\" " + shape_to_string(loop.sizes) +
                                                   "; give inputs with the same stack axes and sizes");
}

}  // namespace deepimage::run
