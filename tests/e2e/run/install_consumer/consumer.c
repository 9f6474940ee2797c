/* Runs MODEL on a 96x96 float32 ramp through the C API and prints its output's shape and sum. */
#include <stdio.h>
#include <stdlib.h>

#include <deepimage/deepimage.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  deepimage_model* model = NULL;
  deepimage_session* session = NULL;
  deepimage_result* result = NULL;
  deepimage_session_options options;
  static float pixels[96 * 96];
  for (int i = 0; i < 96 * 96; ++i) pixels[i] = (float)((i * 37) % 251);
  const int64_t shape[2] = {96, 96};
  const deepimage_view image = {pixels, DEEPIMAGE_FLOAT32, 2, shape, NULL, "yx"};
  deepimage_view out;
  deepimage_session_options_init(&options);
  options.threads = 1;
  if (deepimage_model_open(argv[1], &model) != DEEPIMAGE_OK || deepimage_session_open(model, &options, &session) != DEEPIMAGE_OK ||
      deepimage_session_predict(session, &image, 1, &result) != DEEPIMAGE_OK || deepimage_result_output(result, 0, &out) != DEEPIMAGE_OK) {
    fprintf(stderr, "error: %s\n", deepimage_last_error());
    return 1;
  }
  double sum = 0;
  for (int64_t i = 0; i < out.shape[0] * out.shape[1]; ++i) sum += ((const float*)out.data)[i];
  printf("%s %lldx%lld sum %.9g\n", out.axes, (long long)out.shape[0], (long long)out.shape[1], sum);
  deepimage_result_free(result);
  deepimage_session_free(session);
  deepimage_model_free(model);
  return 0;
}
