// resolve_object_rules (include/deepimage/objects.hpp): what ObjectRules leave unset comes from the
// model, then from the defaults. A StarDist model (config.stardist) makes objects star-convex unless
// the caller said otherwise, and its thresholds apply to star-convex objects only: a caller who asks
// for masks of its probability channel gets the usual 0.5. Rules that contradict each other are
// refused here, before any work.
#include "deepimage/error.hpp"
#include "deepimage/objects.hpp"

namespace deepimage {

ResolvedObjectRules resolve_object_rules(const ObjectRules& given, const std::optional<StarConvexSpec>& model) {
  ResolvedObjectRules out{.rules = given};
  ObjectRules& r = out.rules;
  if (!r.star_convex) {
    r.star_convex = model.has_value();
    out.from_model = model.has_value();
  }
  const bool model_thresholds = model && *r.star_convex;
  if (!r.threshold && !r.otsu) {
    r.threshold = model_thresholds ? model->probability_threshold : 0.5;
    out.from_model |= model_thresholds;
  }
  if (!r.nms) {
    r.nms = model_thresholds ? model->nms_threshold : 0.4;
    out.from_model |= model_thresholds;
  }
  if (*r.star_convex && (r.split || r.fill_holes || r.connectivity))
    throw Error(ErrorCode::invalid_argument,
                std::string("star-convex objects are polygons: --split, --fill-holes and --connectivity do not apply to them") +
                    (given.star_convex ? "" : " (the model is a StarDist model, config.stardist in its rdf; --no-star-convex thresholds its first channel)"));
  return out;
}

}  // namespace deepimage
