// The ImageJ macros of a legacy DeepImageJ bundle (preprocessing.txt, postprocessing.txt): deepimage
// never executes them, but a macro that only does one of the common normalisations is recognised and
// replaced by the bioimage.io op that does the same:
//
//   MacroMapping m = recognise_macro(text, MacroStage::preprocessing, "yx");
//   m.ops;    // {scale_linear gain 1/255} for `run("32-bit"); run("Divide...", "value=255");`
//   m.note;   // "divides by 255: mapped to scale_linear (gain 0.00392157)"
//
// Recognised, after comments and display-only statements (print, getTitle, selectWindow, the
// Brightness/Contrast window, "Enhance Contrast" without "normalize", setBatchMode) are set aside:
//   - an unconditional run("Divide...", "value=V") (with or without run("32-bit")): scale_linear 1/V;
//   - DeepImageJ's percentile-normalisation template (function percentile_normalization with
//     min_percentile/max_percentile set in the macro): scale_range per_sample over the spatial axes
//     with those percentiles (the macro takes them from a 256-bin histogram, the op exactly);
//   - postprocessing setThreshold(t, ...) + run("Convert to Mask"): binarize at t.
// Anything else, including a division chosen by the image's bit depth (255 for 8-bit, 65535 for
// 16-bit: no bioimage.io op depends on the input's type), is "not executed", with the reason.
#pragma once

#include <string>
#include <vector>

#include "deepimage/model_spec.hpp"

namespace deepimage::model {

enum class MacroStage { preprocessing, postprocessing };

struct MacroMapping {
  std::vector<OpSpec> ops;  // empty: not mapped
  std::string note;         // one line: what it was recognised as, or why it is not executed
};

MacroMapping recognise_macro(const std::string& text, MacroStage stage, const std::string& spatial_axes);

}  // namespace deepimage::model
