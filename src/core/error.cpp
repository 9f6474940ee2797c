#include "deepimage/error.hpp"

namespace deepimage {

Error::~Error() = default;

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return "invalid argument";
    case ErrorCode::not_found: return "not found";
    case ErrorCode::unsupported: return "unsupported";
    case ErrorCode::bad_model: return "bad model";
    case ErrorCode::io: return "i/o error";
    case ErrorCode::engine: return "engine error";
    case ErrorCode::out_of_memory: return "out of memory";
    case ErrorCode::cancelled: return "cancelled";
    case ErrorCode::internal: return "internal error";
  }
  return "error";
}

}  // namespace deepimage
