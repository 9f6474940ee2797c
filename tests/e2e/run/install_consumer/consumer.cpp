// Runs MODEL on a 96x96 float32 ramp through the C++ API and prints its output's shape and sum.
#include <cstdio>
#include <vector>

#include <deepimage/deepimage.hpp>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  try {
    deepimage::Model model = deepimage::Model::open(argv[1]);
    deepimage::SessionOptions options;
    options.threads = 1;
    deepimage::Session session(model, options);
    std::vector<float> pixels(96 * 96);
    for (int i = 0; i < 96 * 96; ++i) pixels[i] = static_cast<float>((i * 37) % 251);
    const deepimage::TensorView image{.data = pixels.data(), .dtype = deepimage::DType::f32, .shape = {96, 96}, .strides = {}, .axes = "yx"};
    const std::vector<deepimage::Tensor> out = session.predict({image});
    double sum = 0;
    for (std::int64_t i = 0; i < out[0].element_count(); ++i) sum += out[0].data<float>()[i];
    std::printf("%s %lldx%lld sum %.9g\n", out[0].axes().c_str(), static_cast<long long>(out[0].shape()[0]),
                static_cast<long long>(out[0].shape()[1]), sum);
  } catch (const deepimage::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
