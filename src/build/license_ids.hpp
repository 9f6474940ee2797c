// SPDX license ids a bundle may declare. bioimage.io accepts only ids of the SPDX license list; this
// is the part of it that models and their code are published under (permissive, copyleft, Creative
// Commons, public domain), enough to catch a misspelt or free-text license before a bundle is written.
#pragma once

#include <string>
#include <string_view>

namespace deepimage::build {

bool is_known_license(std::string_view id);
// A few ids to show in an error.
std::string license_examples();

}  // namespace deepimage::build
