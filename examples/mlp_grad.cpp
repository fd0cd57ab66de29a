// value_and_grad of an MLP's cross-entropy loss over a vector of parameter
// arrays, written exactly as with MLX's C++ API (only the namespace differs).
#include <lmx/lmx.h>
#include <iostream>

namespace mx = lmx;

int main() {
  mx::random::seed(0);
  const int batch = 8, in = 4, hidden = 16, classes = 3;
  std::vector<mx::array> params = {mx::random::normal({in, hidden}) * 0.5f, mx::zeros({hidden}),
                                   mx::random::normal({hidden, classes}) * 0.5f,
                                   mx::zeros({classes})};
  auto x = mx::random::normal({batch, in});
  auto y = mx::random::randint(0, classes, {batch}, mx::int32);

  auto loss_fn = [&](const std::vector<mx::array>& p) {
    auto h = mx::maximum(mx::addmm(p[1], x, p[0]), 0.0f);
    auto logits = mx::addmm(p[3], h, p[2]);
    auto picked = mx::take_along_axis(logits, mx::expand_dims(y, -1), -1);
    return mx::mean(mx::logsumexp(logits, -1, true) - picked);
  };
  auto value_and_grad = mx::value_and_grad(loss_fn, {0, 1, 2, 3});
  for (int step = 0; step < 50; ++step) {
    auto [loss, grads] = value_and_grad(params);
    for (size_t i = 0; i < params.size(); ++i) params[i] = params[i] - 0.5f * grads[i];
    mx::eval(params);
    if (step % 10 == 0) std::cout << "step " << step << " loss " << loss.item<float>() << "\n";
  }
  return 0;
}
