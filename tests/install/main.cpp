// value_and_grad of an MLP's cross-entropy loss over a vector of parameter
// arrays, as MLX's C++ API allows; exits non-zero if training does not help.
#include <lmx/lmx.h>
#include <cstdio>

namespace mx = lmx;

int main() {
  mx::random::seed(1);
  auto x = mx::random::normal({32, 8});
  auto y = mx::astype(mx::sum(x, -1) > 0.0f, mx::int32);
  std::vector<mx::array> params = {mx::random::normal({8, 16}) * 0.3f, mx::zeros({16}),
                                   mx::random::normal({16, 2}) * 0.3f, mx::zeros({2})};
  auto loss_fn = [&](const std::vector<mx::array>& p) {
    auto h = mx::maximum(mx::addmm(p[1], x, p[0]), 0.0f);
    auto logits = mx::addmm(p[3], h, p[2]);
    auto picked = mx::take_along_axis(logits, mx::expand_dims(y, -1), -1);
    return mx::mean(mx::logsumexp(logits, -1, true) - picked);
  };
  auto vg = mx::value_and_grad(loss_fn, {0, 1, 2, 3});
  float first = 0, last = 0;
  for (int step = 0; step < 100; ++step) {
    auto [loss, grads] = vg(params);
    for (size_t i = 0; i < params.size(); ++i) params[i] = params[i] - 0.3f * grads[i];
    mx::eval(params);
    (step == 0 ? first : last) = loss.item<float>();
  }
  std::printf("loss %.4f -> %.4f\n", first, last);
  return last < 0.5f * first ? 0 : 1;
}
