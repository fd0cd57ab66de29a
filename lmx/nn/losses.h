// Loss functions (nn::losses), with MLX's signatures and defaults. Every loss
// takes a reduction: "none", "mean" or "sum".
#pragma once

#include <optional>
#include <string>

#include "lmx/core/array.h"

namespace lmx::nn::losses {

// Targets are class indices (one fewer dimension than logits) or
// probabilities (the logits' shape).
array cross_entropy(const array& logits, const array& targets,
                    const std::optional<array>& weights = std::nullopt, int axis = -1,
                    float label_smoothing = 0.0f, const std::string& reduction = "none");
array binary_cross_entropy(const array& inputs, const array& targets,
                           const std::optional<array>& weights = std::nullopt,
                           bool with_logits = true, const std::string& reduction = "mean");
array l1_loss(const array& predictions, const array& targets,
              const std::string& reduction = "mean");
array mse_loss(const array& predictions, const array& targets,
               const std::string& reduction = "mean");
array nll_loss(const array& inputs, const array& targets, int axis = -1,
               const std::string& reduction = "none");
array gaussian_nll_loss(const array& inputs, const array& targets, const array& vars,
                        bool full = false, float eps = 1e-6f,
                        const std::string& reduction = "mean");
array kl_div_loss(const array& inputs, const array& targets, int axis = -1,
                  const std::string& reduction = "none");
array smooth_l1_loss(const array& predictions, const array& targets, float beta = 1.0f,
                     const std::string& reduction = "mean");
array triplet_loss(const array& anchors, const array& positives, const array& negatives,
                   int axis = -1, int p = 2, float margin = 1.0f, float eps = 1e-6f,
                   const std::string& reduction = "none");
array hinge_loss(const array& inputs, const array& targets, const std::string& reduction = "none");
array huber_loss(const array& inputs, const array& targets, float delta = 1.0f,
                 const std::string& reduction = "none");
array log_cosh_loss(const array& inputs, const array& targets,
                    const std::string& reduction = "none");
array cosine_similarity_loss(const array& x1, const array& x2, int axis = 1, float eps = 1e-8f,
                             const std::string& reduction = "none");
array margin_ranking_loss(const array& inputs1, const array& inputs2, const array& targets,
                          float margin = 0.0f, const std::string& reduction = "none");

}  // namespace lmx::nn::losses
