// The options of instance post-processing (ObjectRules, include/deepimage/objects.hpp), shared by
// `deepimage objects` and `deepimage run --objects`.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "deepimage/objects.hpp"

namespace deepimage::cli {

class ObjectRuleOptions {
 public:
  // Adds --threshold, --object-channel, --fill-holes, --connectivity, --split, --split-depth, --min-size,
  // --max-size, --per-slice, --star-convex, --anisotropy, --nms to `cmd`, in `group` of its help.
  ObjectRuleOptions(CLI::App* cmd, const std::string& group);
  // The rules the options give (call in the command's callback).
  ObjectRules rules() const;
  // The option names given on the command line ("--split, --min-size"), empty when none.
  std::string given() const;

 private:
  std::shared_ptr<ObjectRules> rules_ = std::make_shared<ObjectRules>();
  std::shared_ptr<std::string> threshold_ = std::make_shared<std::string>();  // empty: not given
  std::shared_ptr<std::string> anisotropy_ = std::make_shared<std::string>();
  std::vector<CLI::Option*> options_;
};

// How the objects of `r` were found, for the summary line: "threshold 0.5", "threshold 0.12, Otsu",
// "star-convex, threshold 0.48, nms 0.3 from config.stardist".
std::string rules_used(const ObjectsReport& r);

}  // namespace deepimage::cli
