#include "lmx/optim/optimizers.h"

#include <cmath>

#include "lmx/core/error.h"
#include "lmx/core/ops.h"

namespace lmx::optim {

namespace {
array c(float v, const array& like) {
  return array(v, like.dtype());
}
array state_of(Tree& s, const char* key) {
  return s[key].as_array();
}
}  // namespace

SGD::SGD(LearningRate lr, float momentum, float weight_decay, float dampening, bool nesterov)
    : momentum(momentum), weight_decay(weight_decay), dampening(dampening), nesterov(nesterov) {
  if (nesterov && (momentum <= 0 || dampening != 0)) {
    fail("SGD", "Nesterov momentum requires a momentum and zero dampening.");
  }
  maybe_schedule("learning_rate", lr);
}
void SGD::init_single(const array& p, Tree& s) {
  s["v"] = zeros_like(p);
}
array SGD::apply_single(const array& g_in, const array& p, Tree& s) {
  array g = g_in;
  if (weight_decay != 0) g = add(g, multiply(c(weight_decay, g), p));
  auto lr = lr_as(g.dtype());
  if (momentum <= 0) return subtract(p, multiply(lr, g));
  auto v = multiply(c(momentum, g), state_of(s, "v"));
  v = add(v, dampening > 0 ? multiply(c(1 - dampening, g), g) : g);
  auto update = nesterov ? add(g, multiply(c(momentum, g), v)) : v;
  s["v"] = v;
  return subtract(p, multiply(lr, update));
}

RMSprop::RMSprop(LearningRate lr, float alpha, float eps) : alpha(alpha), eps(eps) {
  if (alpha < 0) fail("RMSprop", "alpha must be non-negative.");
  if (eps < 0) fail("RMSprop", "eps must be non-negative.");
  maybe_schedule("learning_rate", lr);
}
void RMSprop::init_single(const array& p, Tree& s) {
  s["v"] = zeros_like(p);
}
array RMSprop::apply_single(const array& g, const array& p, Tree& s) {
  auto v = add(multiply(c(alpha, g), state_of(s, "v")), multiply(c(1 - alpha, g), square(g)));
  s["v"] = v;
  return subtract(p, divide(multiply(lr_as(g.dtype()), g), add(sqrt(v), c(eps, g))));
}

Adagrad::Adagrad(LearningRate lr, float eps) : eps(eps) {
  if (eps < 0) fail("Adagrad", "eps must be non-negative.");
  maybe_schedule("learning_rate", lr);
}
void Adagrad::init_single(const array& p, Tree& s) {
  s["v"] = zeros_like(p);
}
array Adagrad::apply_single(const array& g, const array& p, Tree& s) {
  auto v = add(state_of(s, "v"), square(g));
  s["v"] = v;
  return subtract(p, divide(multiply(lr_as(g.dtype()), g), add(sqrt(v), c(eps, g))));
}

AdaDelta::AdaDelta(LearningRate lr, float rho, float eps) : rho(rho), eps(eps) {
  if (rho < 0) fail("AdaDelta", "rho must be non-negative.");
  if (eps < 0) fail("AdaDelta", "eps must be non-negative.");
  maybe_schedule("learning_rate", lr);
}
void AdaDelta::init_single(const array& p, Tree& s) {
  s["v"] = zeros_like(p);
  s["u"] = zeros_like(p);
}
array AdaDelta::apply_single(const array& g, const array& p, Tree& s) {
  auto v = add(multiply(c(rho, g), state_of(s, "v")), multiply(c(1 - rho, g), square(g)));
  auto u = state_of(s, "u");
  auto d = multiply(divide(sqrt(add(u, c(eps, g))), sqrt(add(v, c(eps, g)))), g);
  u = add(multiply(c(rho, g), u), multiply(c(1 - rho, g), square(d)));
  s["v"] = v;
  s["u"] = u;
  return subtract(p, multiply(lr_as(g.dtype()), d));
}

Adam::Adam(LearningRate lr, std::pair<float, float> betas, float eps, bool bias_correction)
    : betas(betas), eps(eps), bias_correction(bias_correction) {
  maybe_schedule("learning_rate", lr);
}
void Adam::init_single(const array& p, Tree& s) {
  s["m"] = zeros_like(p);
  s["v"] = zeros_like(p);
}
array Adam::apply_single(const array& g, const array& p, Tree& s) {
  auto [b1, b2] = betas;
  auto lr = lr_as(g.dtype());
  auto m = add(multiply(c(b1, g), state_of(s, "m")), multiply(c(1 - b1, g), g));
  auto v = add(multiply(c(b2, g), state_of(s, "v")), multiply(c(1 - b2, g), square(g)));
  s["m"] = m;
  s["v"] = v;
  if (bias_correction) {
    auto t = astype(step(), g.dtype());
    auto c1 = divide(lr, subtract(c(1, g), power(c(b1, g), t)));
    auto c2 = rsqrt(subtract(c(1, g), power(c(b2, g), t)));
    return subtract(p, divide(multiply(c1, m), add(multiply(sqrt(v), c2), c(eps, g))));
  }
  return subtract(p, divide(multiply(lr, m), add(sqrt(v), c(eps, g))));
}

AdamW::AdamW(LearningRate lr, std::pair<float, float> betas, float eps, float weight_decay,
             bool bias_correction)
    : Adam(std::move(lr), betas, eps, bias_correction), weight_decay(weight_decay) {}
array AdamW::apply_single(const array& g, const array& p, Tree& s) {
  auto lr = lr_as(g.dtype());
  auto decayed = multiply(p, subtract(c(1, p), multiply(lr, c(weight_decay, p))));
  return Adam::apply_single(g, decayed, s);
}

Adamax::Adamax(LearningRate lr, std::pair<float, float> betas, float eps)
    : Adam(std::move(lr), betas, eps) {
  if (eps < 0) fail("Adamax", "eps must be non-negative.");
}
array Adamax::apply_single(const array& g, const array& p, Tree& s) {
  auto [b1, b2] = betas;
  auto m = add(multiply(c(b1, g), state_of(s, "m")), multiply(c(1 - b1, g), g));
  auto v = maximum(multiply(c(b2, g), state_of(s, "v")), abs(g));
  s["m"] = m;
  s["v"] = v;
  return subtract(p, divide(multiply(lr_as(g.dtype()), m), add(v, c(eps, g))));
}

Lion::Lion(LearningRate lr, std::pair<float, float> betas, float weight_decay)
    : betas(betas), weight_decay(weight_decay) {
  maybe_schedule("learning_rate", lr);
}
void Lion::init_single(const array& p, Tree& s) {
  s["m"] = zeros_like(p);
}
array Lion::apply_single(const array& g, const array& p_in, Tree& s) {
  auto [b1, b2] = betas;
  auto lr = lr_as(g.dtype());
  auto m_old = state_of(s, "m");
  auto update = add(multiply(c(b1, g), m_old), multiply(c(1 - b1, g), g));
  s["m"] = add(multiply(c(b2, g), m_old), multiply(c(1 - b2, g), g));
  array p = p_in;
  if (weight_decay > 0) p = multiply(subtract(c(1, p), multiply(lr, c(weight_decay, p))), p);
  return subtract(p, multiply(lr, sign(update)));
}

Adafactor::Adafactor(std::optional<LearningRate> lr, std::pair<float, float> eps,
                     float clip_threshold, float decay_rate, std::optional<float> beta_1,
                     float weight_decay, bool scale_parameter, bool relative_step, bool warmup_init)
    : eps(eps),
      clip_threshold(clip_threshold),
      decay_rate(decay_rate),
      beta_1(beta_1),
      weight_decay(weight_decay),
      scale_parameter(scale_parameter),
      relative_step(relative_step),
      warmup_init(warmup_init) {
  if (lr) {
    maybe_schedule("learning_rate", *lr);
  } else if (!relative_step) {
    fail("Adafactor", "A learning rate is required when relative_step is false.");
  }
}
void Adafactor::init_single(const array& p, Tree& s) {
  if (p.ndim() >= 2) {
    Shape row(p.shape().begin(), p.shape().end() - 1);
    Shape col(p.shape().begin(), p.shape().end() - 2);
    col.push_back(p.shape(-1));
    s["exp_avg_sq_row"] = zeros(row, p.dtype());
    s["exp_avg_sq_col"] = zeros(col, p.dtype());
  } else {
    s["exp_avg_sq"] = zeros_like(p);
  }
  if (beta_1) s["exp_avg"] = zeros_like(p);
}
array Adafactor::apply_single(const array& g, const array& p, Tree& s) {
  auto rms = [](const array& x) { return sqrt(mean(square(x))); };
  auto t = astype(step(), float32);
  auto p_rms = rms(p);
  array rel(0.0f);
  if (relative_step) {
    auto min_step = warmup_init ? multiply(array(1e-6f), t) : array(1e-2f);
    rel = minimum(min_step, rsqrt(t));
  } else {
    rel = learning_rate();
  }
  rel = astype(rel, p_rms.dtype());
  auto lr = scale_parameter ? multiply(maximum(c(eps.second, p_rms), p_rms), rel) : rel;
  auto beta_2 = astype(subtract(array(1.0f), power(t, array(decay_rate))), g.dtype());
  auto update = add(square(g), c(eps.first, g));
  auto one_minus = subtract(c(1, g), beta_2);
  if (g.ndim() >= 2) {
    auto row =
        add(multiply(beta_2, state_of(s, "exp_avg_sq_row")), multiply(one_minus, mean(update, -1)));
    auto col =
        add(multiply(beta_2, state_of(s, "exp_avg_sq_col")), multiply(one_minus, mean(update, -2)));
    s["exp_avg_sq_row"] = row;
    s["exp_avg_sq_col"] = col;
    auto r_factor = rsqrt(divide(row, mean(row, -1, true)));
    auto c_factor = rsqrt(col);
    update = multiply(multiply(expand_dims(r_factor, -1), expand_dims(c_factor, -2)), g);
  } else {
    auto v = add(multiply(beta_2, state_of(s, "exp_avg_sq")), multiply(one_minus, update));
    s["exp_avg_sq"] = v;
    update = multiply(rsqrt(v), g);
  }
  update = divide(update, maximum(c(1, update), divide(rms(update), c(clip_threshold, update))));
  update = multiply(astype(lr, g.dtype()), update);
  if (beta_1) {
    auto m =
        add(multiply(c(*beta_1, g), state_of(s, "exp_avg")), multiply(c(1 - *beta_1, g), update));
    s["exp_avg"] = m;
    update = m;
  }
  array out = p;
  if (weight_decay != 0)
    out = add(out, multiply(out, multiply(c(-weight_decay, p), astype(lr, p.dtype()))));
  return subtract(out, update);
}

Muon::Muon(LearningRate lr, float momentum, float weight_decay, bool nesterov, int ns_steps)
    : momentum(momentum), weight_decay(weight_decay), nesterov(nesterov), ns_steps(ns_steps) {
  maybe_schedule("learning_rate", lr);
}
void Muon::init_single(const array& p, Tree& s) {
  s["v"] = zeros_like(p);
}
array Muon::apply_single(const array& g_in, const array& p, Tree& s) {
  array g = g_in;
  if (weight_decay != 0) g = add(g, multiply(c(weight_decay, g), p));
  auto v = add(multiply(c(momentum, g), state_of(s, "v")), multiply(c(1 - momentum, g), g));
  s["v"] = v;
  array update = nesterov ? add(multiply(g, c(1 - momentum, g)), multiply(v, c(momentum, g))) : v;
  auto lr = lr_as(g.dtype());
  if (update.ndim() >= 2) {
    Shape original = update.shape();
    auto x = astype(reshape(update, {update.shape(0), -1}), bfloat16);
    bool transposed = x.shape(0) > x.shape(1);
    if (transposed) x = transpose(x);
    x = divide(x, add(sqrt(sum(square(astype(x, float32)))), array(1e-7f)));
    x = astype(x, bfloat16);
    const float a = 3.4445f, b = -4.7750f, cc = 2.0315f;
    for (int i = 0; i < ns_steps; ++i) {
      auto A = matmul(x, transpose(x));
      auto B = addmm(multiply(array(b, bfloat16), A), A, A, cc, 1.0f);
      x = addmm(x, B, x, 1.0f, a);
    }
    if (transposed) x = transpose(x);
    update = astype(reshape(x, original), g.dtype());
    float rows = float(original[original.size() - 2]), cols = float(original.back());
    float scale = std::sqrt(std::max(1.0f, rows / cols));
    lr = multiply(lr, c(scale, lr));
  }
  return subtract(p, multiply(lr, update));
}

}  // namespace lmx::optim
