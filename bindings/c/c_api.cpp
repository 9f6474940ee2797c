// The C API (include/deepimage/deepimage.h) over deepimage::Session: each call catches what the C++
// layer throws and turns it into a status and the thread's last-error message.
#include "deepimage/deepimage.h"

#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>

#include "deepimage/deepimage.hpp"

struct deepimage_model {
  deepimage::Model model;
};

struct deepimage_session {
  std::atomic<bool> cancel{false};
  std::unique_ptr<deepimage::Session> session;
};

struct deepimage_result {
  std::vector<deepimage::Tensor> outputs;
};

// The codes are deepimage's own, shifted by one for OK, and its dtypes in order.
static_assert(static_cast<int>(deepimage::ErrorCode::internal) + 1 == DEEPIMAGE_INTERNAL);
static_assert(static_cast<int>(deepimage::ErrorCode::cancelled) + 1 == DEEPIMAGE_CANCELLED);
static_assert(static_cast<int>(deepimage::DType::f64) == DEEPIMAGE_FLOAT64);
static_assert(static_cast<int>(deepimage::DType::u16) == DEEPIMAGE_UINT16);

namespace {

thread_local std::string last_error;

deepimage_status fail(deepimage_status status, const std::string& message) {
  last_error = message;
  return status;
}

// Runs `body`, translating every exception into a status; the one boundary of the C API.
template <class F>
deepimage_status guarded(F&& body) {
  try {
    body();
    return DEEPIMAGE_OK;
  } catch (const deepimage::Error& e) {
    return fail(static_cast<deepimage_status>(static_cast<int>(e.code()) + 1), e.what());
  } catch (const std::bad_alloc&) {
    return fail(DEEPIMAGE_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(DEEPIMAGE_INTERNAL, e.what());
  }
}

void require(const void* pointer, const char* what) {
  if (!pointer) throw deepimage::Error(deepimage::ErrorCode::invalid_argument, std::string(what) + " is NULL");
}

// `code` by address: a C caller may store any int in a C enum, but C++ may not load a deepimage_dtype
// outside its enumerators' range (UBSan -fsanitize=enum), so its bytes are read as an int.
deepimage::DType dtype_of(const deepimage_dtype& code) {
  static_assert(sizeof(deepimage_dtype) == sizeof(int));
  int value = 0;
  std::memcpy(&value, &code, sizeof value);
  if (value < DEEPIMAGE_BOOL || value > DEEPIMAGE_FLOAT64)
    throw deepimage::Error(deepimage::ErrorCode::invalid_argument,
                           "dtype code " + std::to_string(value) + " is not a deepimage_dtype (0 to 10, e.g. 9 float32)");
  return static_cast<deepimage::DType>(value);  // deepimage_dtype follows deepimage::DType's order
}

std::map<char, std::int64_t> per_axis(const char* axes, const std::int64_t* sizes, const char* what) {
  std::map<char, std::int64_t> values;
  if (!axes) return values;
  require(sizes, what);
  for (std::size_t i = 0; axes[i]; ++i) values[axes[i]] = sizes[i];
  return values;
}

deepimage::TensorView view_of(const deepimage_view& v) {
  if (v.rank > 0) require(v.shape, "view shape");
  require(v.axes, "view axes");
  deepimage::TensorView view{.data = v.data, .dtype = dtype_of(v.dtype), .shape = {}, .strides = {}, .axes = v.axes};
  view.shape.assign(v.shape, v.shape + v.rank);
  if (v.strides) view.strides.assign(v.strides, v.strides + v.rank);
  return view;
}

}  // namespace

extern "C" {

const char* deepimage_last_error(void) { return last_error.c_str(); }

deepimage_status deepimage_model_open(const char* path, deepimage_model** model) {
  return guarded([&] {
    require(path, "model path");
    require(model, "model handle pointer");
    *model = new deepimage_model{deepimage::Model::open(path)};
  });
}

deepimage_status deepimage_model_open_bare(const char* path, const char* input_name, const char* output_name,
                                           deepimage_model** model) {
  return guarded([&] {
    require(path, "model path");
    require(model, "model handle pointer");
    *model = new deepimage_model{
        deepimage::Model::open(path, {.input_name = input_name ? input_name : "", .output_name = output_name ? output_name : ""})};
  });
}

void deepimage_model_free(deepimage_model* model) { delete model; }
size_t deepimage_model_input_count(const deepimage_model* model) { return model ? model->model.spec().inputs.size() : 0; }
size_t deepimage_model_output_count(const deepimage_model* model) { return model ? model->model.spec().outputs.size() : 0; }
const char* deepimage_model_name(const deepimage_model* model) { return model ? model->model.spec().name.c_str() : ""; }

void deepimage_session_options_init(deepimage_session_options* options) {
  if (options) *options = deepimage_session_options{};
}

deepimage_status deepimage_session_open(const deepimage_model* model, const deepimage_session_options* options,
                                        deepimage_session** session) {
  return guarded([&] {
    require(model, "model");
    require(session, "session handle pointer");
    deepimage_session_options c{};
    if (options) c = *options;
    auto handle = std::make_unique<deepimage_session>();
    deepimage::SessionOptions o;
    o.weights = c.weights ? c.weights : "";
    o.threads = c.threads;
    if (c.precision) o.precision = deepimage::precision_from_string(c.precision);
    o.memory = c.memory_bytes;
    o.tile = per_axis(c.tile_axes, c.tile_sizes, "tile_sizes");
    o.halo = per_axis(c.halo_axes, c.halo_sizes, "halo_sizes");
    if (c.pad) o.pad = c.pad;
    if (c.progress)
      o.progress = [progress = c.progress, user = c.user](const deepimage::ProgressEvent& e) {
        progress(e.tiles_done, e.tiles_total, user);
      };
    if (c.log) o.log = [log = c.log, user = c.user](std::string_view line) { log(std::string(line).c_str(), user); };
    o.cancel = &handle->cancel;
    handle->session = std::make_unique<deepimage::Session>(model->model, std::move(o));
    *session = handle.release();
  });
}

void deepimage_session_free(deepimage_session* session) { delete session; }
void deepimage_session_cancel(deepimage_session* session) {
  if (session) session->cancel = true;
}

deepimage_status deepimage_session_predict(deepimage_session* session, const deepimage_view* inputs, size_t input_count,
                                           deepimage_result** result) {
  return guarded([&] {
    require(session, "session");
    require(result, "result handle pointer");
    if (input_count) require(inputs, "inputs");
    std::vector<deepimage::TensorView> views;
    for (std::size_t i = 0; i < input_count; ++i) views.push_back(view_of(inputs[i]));
    session->cancel = false;
    *result = new deepimage_result{session->session->predict(views)};
  });
}

size_t deepimage_result_count(const deepimage_result* result) { return result ? result->outputs.size() : 0; }

deepimage_status deepimage_result_output(const deepimage_result* result, size_t index, deepimage_view* output) {
  return guarded([&] {
    require(result, "result");
    require(output, "output view pointer");
    if (index >= result->outputs.size())
      throw deepimage::Error(deepimage::ErrorCode::invalid_argument, "output " + std::to_string(index) + " does not exist (the result has " +
                                                                         std::to_string(result->outputs.size()) + ")");
    const deepimage::Tensor& t = result->outputs[index];
    *output = deepimage_view{.data = t.bytes(), .dtype = static_cast<deepimage_dtype>(static_cast<int>(t.dtype())),
                             .rank = t.rank(), .shape = t.shape().data(), .strides = nullptr, .axes = t.axes().c_str()};
  });
}

void deepimage_result_free(deepimage_result* result) { delete result; }

}  // extern "C"
