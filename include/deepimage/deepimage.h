/* deepimage's C API, for FFI users (Java, Julia, R, Python ctypes): the C++ Session of deepimage.hpp
 * behind opaque handles, status codes and a per-thread last-error message.
 *
 *   deepimage_model* model = NULL;
 *   if (deepimage_model_open("unet2d_nuclei_broad/", &model) != DEEPIMAGE_OK) {
 *     fprintf(stderr, "error: %s\n", deepimage_last_error());   // one line, names the bad value
 *     return 1;
 *   }
 *   deepimage_session_options options;
 *   deepimage_session_options_init(&options);
 *   options.threads = 4;
 *   deepimage_session* session = NULL;
 *   deepimage_session_open(model, &options, &session);          // loads the weights once
 *
 *   int64_t shape[2] = {512, 640};
 *   deepimage_view image = {pixels, DEEPIMAGE_UINT16, 2, shape, NULL, "yx"};   // strides NULL: C order
 *   deepimage_result* result = NULL;
 *   deepimage_session_predict(session, &image, 1, &result);
 *   deepimage_view out;                       // output 0, in the image's axes ("yx"), owned by result
 *   deepimage_result_output(result, 0, &out);
 *   ... use (const float*)out.data ...
 *   deepimage_result_free(result);  deepimage_session_free(session);  deepimage_model_free(model);
 *
 * predict gives the numbers `deepimage run` gives on a file holding the same pixels (deepimage.hpp).
 * Threads: a session is used by one thread at a time; deepimage_session_cancel may be called from any
 * thread. The last error is kept per thread, until the next failing call on that thread.
 */
#ifndef DEEPIMAGE_DEEPIMAGE_H
#define DEEPIMAGE_DEEPIMAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The codes of deepimage::ErrorCode, plus OK. */
typedef enum {
  DEEPIMAGE_OK = 0,
  DEEPIMAGE_INVALID_ARGUMENT = 1,
  DEEPIMAGE_NOT_FOUND = 2,
  DEEPIMAGE_UNSUPPORTED = 3,
  DEEPIMAGE_BAD_MODEL = 4,
  DEEPIMAGE_IO = 5,
  DEEPIMAGE_ENGINE = 6,
  DEEPIMAGE_OUT_OF_MEMORY = 7,
  DEEPIMAGE_CANCELLED = 8,
  DEEPIMAGE_INTERNAL = 9
} deepimage_status;

typedef enum {
  DEEPIMAGE_BOOL = 0,
  DEEPIMAGE_UINT8 = 1,
  DEEPIMAGE_INT8 = 2,
  DEEPIMAGE_UINT16 = 3,
  DEEPIMAGE_INT16 = 4,
  DEEPIMAGE_UINT32 = 5,
  DEEPIMAGE_INT32 = 6,
  DEEPIMAGE_UINT64 = 7,
  DEEPIMAGE_INT64 = 8,
  DEEPIMAGE_FLOAT32 = 9,
  DEEPIMAGE_FLOAT64 = 10
} deepimage_dtype;

typedef struct deepimage_model deepimage_model;
typedef struct deepimage_session deepimage_session;
typedef struct deepimage_result deepimage_result;

/* Pixels: borrowed for inputs (read during predict only), owned by the result for outputs. */
typedef struct {
  const void* data;
  deepimage_dtype dtype;
  size_t rank;
  const int64_t* shape;
  const int64_t* strides; /* in elements; NULL: C order */
  const char* axes;       /* one letter of "bitczyx" per axis */
} deepimage_view;

typedef struct {
  int threads;               /* 0: all cores */
  const char* weights;       /* "torchscript", "onnx", ...; NULL or "": the best that runs here */
  const char* precision;     /* "fp32" (NULL) or "bf16" */
  uint64_t memory_bytes;     /* peak budget; 0: 60 % of what is available */
  const char* tile_axes;     /* e.g. "yx" with tile_sizes {256, 256}; NULL: as large as fits */
  const int64_t* tile_sizes;
  const char* halo_axes;     /* e.g. "yx" with halo_sizes {32, 32}; NULL: the model's */
  const int64_t* halo_sizes;
  const char* pad;           /* reflect (NULL) | symmetric | edge | zeros */
  void (*progress)(size_t tiles_done, size_t tiles_total, void* user); /* after each tile; may be NULL */
  void (*log)(const char* line, void* user);                          /* warnings; may be NULL */
  void* user;                /* passed to progress and log */
} deepimage_session_options;

/* The message of the last failing call on this thread ("" if none). */
const char* deepimage_last_error(void);

deepimage_status deepimage_model_open(const char* path, deepimage_model** model);
/* A bare network file whose graph does not say which tensor is the image and which the result (a
 * SavedModel without a signature): `run --input-name/--output-name`. NULL or "" for the graph's own. */
deepimage_status deepimage_model_open_bare(const char* path, const char* input_name, const char* output_name,
                                           deepimage_model** model);
void deepimage_model_free(deepimage_model* model);
size_t deepimage_model_input_count(const deepimage_model* model);
size_t deepimage_model_output_count(const deepimage_model* model);
const char* deepimage_model_name(const deepimage_model* model);

void deepimage_session_options_init(deepimage_session_options* options);
/* The session keeps what it needs of the model, which may be freed first. */
deepimage_status deepimage_session_open(const deepimage_model* model, const deepimage_session_options* options,
                                        deepimage_session** session);
void deepimage_session_free(deepimage_session* session);
/* Stops a running predict before its next tile (it returns DEEPIMAGE_CANCELLED); any thread. The flag
 * is cleared when the next predict starts. */
void deepimage_session_cancel(deepimage_session* session);

/* One view per model input, in the model's order. */
deepimage_status deepimage_session_predict(deepimage_session* session, const deepimage_view* inputs, size_t input_count,
                                           deepimage_result** result);
size_t deepimage_result_count(const deepimage_result* result);
/* Output `index`, C order, in the image's axes; valid until the result is freed. */
deepimage_status deepimage_result_output(const deepimage_result* result, size_t index, deepimage_view* output);
void deepimage_result_free(deepimage_result* result);

#ifdef __cplusplus
}
#endif

#endif
