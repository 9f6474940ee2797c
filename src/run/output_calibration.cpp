#include "run/output_calibration.hpp"

namespace deepimage::run {

std::optional<io::Calibration> output_calibration(const std::optional<io::Calibration>& input, const TensorSpec& output) {
  const AxisSpec* channel = output.axis('c');
  std::optional<io::Calibration> c = io::with_channel_names(input, channel ? channel->channel_names : std::vector<std::string>{});
  if (!c || !c->spatial) return c;
  const auto scale = [&](char id, double& size) {
    const AxisSpec* a = output.axis(id);
    if (a && a->size.kind == AxisSize::Kind::reference && a->size.factor > 0) size /= a->size.factor;
  };
  scale('x', c->x);
  scale('y', c->y);
  scale('z', c->z);
  return c;
}

}  // namespace deepimage::run
