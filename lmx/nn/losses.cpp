#include "lmx/nn/losses.h"

#include <cmath>
#include <numbers>

#include "lmx/core/error.h"
#include "lmx/core/ops.h"
#include "lmx/core/utils.h"

namespace lmx::nn::losses {

namespace {

array reduce(const array& loss, const std::string& reduction, const char* who) {
  if (reduction == "mean") return mean(loss);
  if (reduction == "sum") return sum(loss);
  if (reduction == "none") return loss;
  fail(who, "Invalid reduction '" + reduction + "'; must be 'none', 'mean' or 'sum'.");
}

void same_shape(const array& a, const array& b, const char* who, const char* an, const char* bn) {
  if (a.shape() != b.shape()) {
    fail(who, std::string(an) + " shape " + to_string(a.shape()) + " does not match " + bn +
                  " shape " + to_string(b.shape()) + ".");
  }
}

array s(float v, const array& like) {
  return array(v, is_floating_point(like.dtype()) ? like.dtype() : float32);
}

}  // namespace

array cross_entropy(const array& logits, const array& targets, const std::optional<array>& weights,
                    int axis, float label_smoothing, const std::string& reduction) {
  const char* who = "cross_entropy";
  if (label_smoothing < 0 || label_smoothing >= 1) {
    fail(who, "Label smoothing must be in [0, 1), got " + std::to_string(label_smoothing) + ".");
  }
  axis = normalize_axis(axis, logits.ndim(), who);
  bool as_probs = targets.ndim() == logits.ndim();
  array score(0.0f);
  if (as_probs) {
    same_shape(logits, targets, who, "Logits", "targets");
    score = sum(multiply(logits, targets), axis);
  } else {
    Shape expect = logits.shape();
    expect.erase(expect.begin() + axis);
    if (targets.shape() != expect) {
      fail(who, "Targets shape " + to_string(targets.shape()) + " does not match logits shape " +
                    to_string(logits.shape()) + " (expected class indices of shape " +
                    to_string(expect) + ").");
    }
    score = squeeze(take_along_axis(logits, expand_dims(targets, axis), axis), axis);
  }
  auto lse = logsumexp(logits, axis);
  array loss = subtract(lse, score);
  if (label_smoothing > 0) {
    auto adjusted = multiply(s(1 - label_smoothing, score), score);
    auto smoothed = multiply(negative(mean(logits, axis)), s(label_smoothing, score));
    loss = add(subtract(lse, adjusted), smoothed);
  }
  if (weights) {
    same_shape(*weights, loss, who, "Weights", "loss");
    loss = multiply(loss, *weights);
  }
  return reduce(loss, reduction, who);
}

array binary_cross_entropy(const array& inputs, const array& targets,
                           const std::optional<array>& weights, bool with_logits,
                           const std::string& reduction) {
  const char* who = "binary_cross_entropy";
  same_shape(inputs, targets, who, "Inputs", "targets");
  array loss(0.0f);
  if (with_logits) {
    loss = subtract(logaddexp(s(0, inputs), inputs), multiply(inputs, targets));
  } else {
    auto log_in = maximum(log(inputs), s(-100, inputs));
    auto log_inv = maximum(log(subtract(s(1, inputs), inputs)), s(-100, inputs));
    loss = negative(
        add(multiply(targets, log_in), multiply(subtract(s(1, inputs), targets), log_inv)));
  }
  if (weights) {
    same_shape(*weights, loss, who, "Weights", "loss");
    loss = multiply(loss, *weights);
  }
  return reduce(loss, reduction, who);
}

array l1_loss(const array& p, const array& t, const std::string& reduction) {
  same_shape(p, t, "l1_loss", "Predictions", "targets");
  return reduce(abs(subtract(p, t)), reduction, "l1_loss");
}

array mse_loss(const array& p, const array& t, const std::string& reduction) {
  same_shape(p, t, "mse_loss", "Predictions", "targets");
  return reduce(square(subtract(p, t)), reduction, "mse_loss");
}

array nll_loss(const array& inputs, const array& targets, int axis, const std::string& reduction) {
  axis = normalize_axis(axis, inputs.ndim(), "nll_loss");
  auto loss = negative(squeeze(take_along_axis(inputs, expand_dims(targets, axis), axis), axis));
  return reduce(loss, reduction, "nll_loss");
}

array gaussian_nll_loss(const array& inputs, const array& targets, const array& vars, bool full,
                        float eps, const std::string& reduction) {
  same_shape(inputs, targets, "gaussian_nll_loss", "Inputs", "targets");
  auto v = maximum(vars, s(eps, vars));
  auto loss = multiply(s(0.5f, inputs), add(log(v), divide(square(subtract(targets, inputs)), v)));
  if (full) loss = add(loss, s(0.5f * std::log(2 * std::numbers::pi_v<float>), loss));
  return reduce(loss, reduction, "gaussian_nll_loss");
}

array kl_div_loss(const array& inputs, const array& targets, int axis,
                  const std::string& reduction) {
  same_shape(inputs, targets, "kl_div_loss", "Inputs", "targets");
  auto loss = sum(multiply(exp(targets), subtract(targets, inputs)), axis);
  return reduce(loss, reduction, "kl_div_loss");
}

array smooth_l1_loss(const array& p, const array& t, float beta, const std::string& reduction) {
  same_shape(p, t, "smooth_l1_loss", "Predictions", "targets");
  auto diff = abs(subtract(p, t));
  auto loss =
      where(less(diff, s(beta, diff)), divide(multiply(s(0.5f, diff), square(diff)), s(beta, diff)),
            subtract(diff, s(0.5f * beta, diff)));
  return reduce(loss, reduction, "smooth_l1_loss");
}

array triplet_loss(const array& a, const array& pos, const array& neg, int axis, int p,
                   float margin, float eps, const std::string& reduction) {
  same_shape(a, pos, "triplet_loss", "Anchors", "positives");
  same_shape(a, neg, "triplet_loss", "Anchors", "negatives");
  auto dist = [&](const array& x) {
    return sqrt(add(sum(power(abs(subtract(a, x)), s(float(p), a)), axis), s(eps, a)));
  };
  auto loss = maximum(add(subtract(dist(pos), dist(neg)), s(margin, a)), s(0, a));
  return reduce(loss, reduction, "triplet_loss");
}

array hinge_loss(const array& inputs, const array& targets, const std::string& reduction) {
  auto loss = maximum(subtract(s(1, inputs), multiply(inputs, targets)), s(0, inputs));
  return reduce(loss, reduction, "hinge_loss");
}

array huber_loss(const array& inputs, const array& targets, float delta,
                 const std::string& reduction) {
  auto errors = abs(subtract(inputs, targets));
  auto quadratic = minimum(errors, s(delta, errors));
  auto linear = subtract(errors, quadratic);
  auto loss = add(multiply(s(0.5f, errors), square(quadratic)), multiply(s(delta, errors), linear));
  return reduce(loss, reduction, "huber_loss");
}

array log_cosh_loss(const array& inputs, const array& targets, const std::string& reduction) {
  auto e = subtract(inputs, targets);
  auto loss = subtract(logaddexp(e, negative(e)), s(std::log(2.0f), e));
  return reduce(loss, reduction, "log_cosh_loss");
}

array cosine_similarity_loss(const array& x1, const array& x2, int axis, float eps,
                             const std::string& reduction) {
  same_shape(x1, x2, "cosine_similarity_loss", "x1", "x2");
  auto n1 = sqrt(sum(square(x1), axis));
  auto n2 = sqrt(sum(square(x2), axis));
  auto loss = divide(sum(multiply(x1, x2), axis), maximum(multiply(n1, n2), s(eps, n1)));
  return reduce(loss, reduction, "cosine_similarity_loss");
}

array margin_ranking_loss(const array& i1, const array& i2, const array& targets, float margin,
                          const std::string& reduction) {
  same_shape(i1, i2, "margin_ranking_loss", "inputs1", "inputs2");
  same_shape(i1, targets, "margin_ranking_loss", "inputs1", "targets");
  auto loss = maximum(add(negative(multiply(targets, subtract(i1, i2))), s(margin, i1)), s(0, i1));
  return reduce(loss, reduction, "margin_ranking_loss");
}

}  // namespace lmx::nn::losses
