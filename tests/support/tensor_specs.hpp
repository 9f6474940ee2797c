// Model input specs for unit tests that need one without an rdf.
#pragma once

#include <cstdint>
#include <string>

#include "deepimage/model_spec.hpp"

namespace deepimage::testing {

// Input "raw" with axes b, c, y, x: batch 1, `channels` channels, y and x of any size (min 1, step 1).
inline TensorSpec bcyx_input(std::int64_t channels) {
  TensorSpec t;
  t.id = "raw";
  for (char id : std::string("bcyx")) {
    AxisSpec a;
    a.id = id;
    a.type = id == 'b' ? AxisType::batch : id == 'c' ? AxisType::channel : AxisType::space;
    a.size.kind = id == 'c' || id == 'b' ? AxisSize::Kind::fixed : AxisSize::Kind::parameterized;
    a.size.value = id == 'c' ? channels : 1;
    t.axes.push_back(a);
  }
  return t;
}

}  // namespace deepimage::testing
