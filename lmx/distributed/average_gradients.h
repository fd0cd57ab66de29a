// Averaging a model's gradients over the ranks of a data-parallel job (MLX's
// mlx.nn.average_gradients, here in C++ as well).
#pragma once

#include <optional>

#include "lmx/core/tree.h"
#include "lmx/distributed/distributed.h"

namespace lmx::nn {

// The mean over the group of each gradient. Small gradients travel together:
// consecutive leaves are flattened and concatenated into buckets of at least
// all_reduce_size bytes (0 or less: one all_sum per leaf), so a model with
// many small parameters makes few collective calls. With communication_type,
// buckets travel in that dtype (for example bfloat16) and come back in the
// gradients' own. A group of one returns the gradients unchanged.
Tree average_gradients(const Tree& gradients,
                       std::optional<distributed::Group> group = std::nullopt,
                       int64_t all_reduce_size = 32 * 1024 * 1024,
                       std::optional<Dtype> communication_type = std::nullopt);

}  // namespace lmx::nn
