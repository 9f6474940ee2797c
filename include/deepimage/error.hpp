// deepimage::Error — the one exception type of the library.
//
//   try { deepimage::run(...); }
//   catch (const deepimage::Error& e) { std::cerr << "error: " << e.what(); return exit_code(e.code()); }
//
// It is thrown where a problem is detected, with the message written once there: lower case,
// quoting the user's value and saying what was expected. Boundaries (CLI, C ABI, ...) translate it.
#pragma once

#include <stdexcept>
#include <string>

namespace deepimage {

enum class ErrorCode {
  invalid_argument,  // a value given by the user is malformed or out of range
  not_found,         // a file, tensor, axis or entry does not exist
  unsupported,       // well-formed, but not something we can do (yet)
  bad_model,         // the model bundle or its rdf is invalid
  io,                // reading or writing a file failed, or its content is corrupt
  engine,            // the inference engine failed
  out_of_memory,     // an allocation failed (the runner retries with smaller tiles first)
  cancelled,         // the caller asked to stop (RunOptions::cancel)
  internal,          // a bug in deepimage
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  // Defined in error.cpp, so that Error's type information exists once, in libdeepimage_core, and an
  // Error thrown in an engine module is the same type where it is caught (docs/engines.md).
  ~Error() override;
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

const char* to_string(ErrorCode code);

}  // namespace deepimage
