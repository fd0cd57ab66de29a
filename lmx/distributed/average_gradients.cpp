// average_gradients: bucketed all_sum of a gradient tree.
#include "lmx/distributed/average_gradients.h"

#include "lmx/core/ops.h"

namespace lmx::nn {

Tree average_gradients(const Tree& gradients, std::optional<distributed::Group> group_,
                       int64_t all_reduce_size, std::optional<Dtype> communication_type) {
  auto group = group_ ? *group_ : distributed::init();
  const int n = group.size();
  if (n == 1) return gradients;
  auto average = [&](const array& x) {
    array y = communication_type ? astype(x, *communication_type) : x;
    y = distributed::all_sum(y, group);
    return divide(astype(y, x.dtype()), array(static_cast<float>(n), x.dtype()));
  };
  auto flat = tree_flatten(gradients);
  if (flat.empty()) return gradients;
  bool one_dtype = true;
  for (auto& [k, v] : flat) one_dtype &= v.dtype() == flat[0].second.dtype();
  if (all_reduce_size <= 0 || !one_dtype) return tree_map(gradients, average);

  // Buckets of consecutive leaves, each closed once it reaches the size.
  const size_t itemsize =
      size_of(communication_type ? *communication_type : flat[0].second.dtype());
  std::vector<std::vector<size_t>> buckets(1);
  int64_t bytes = 0;
  for (size_t i = 0; i < flat.size(); ++i) {
    buckets.back().push_back(i);
    bytes += static_cast<int64_t>(flat[i].second.size() * itemsize);
    if (bytes >= all_reduce_size && i + 1 < flat.size()) {
      buckets.emplace_back();
      bytes = 0;
    }
  }
  std::vector<std::pair<std::string, array>> out;
  for (auto& bucket : buckets) {
    std::vector<array> parts;
    Shape offsets;
    int64_t offset = 0;
    for (size_t i : bucket) {
      parts.push_back(reshape(flat[i].second, {-1}));
      offset += static_cast<int64_t>(flat[i].second.size());
      offsets.push_back(static_cast<int>(offset));
    }
    offsets.pop_back();
    auto pieces = split(average(concatenate(parts, 0)), offsets, 0);
    for (size_t j = 0; j < bucket.size(); ++j) {
      const auto& [key, value] = flat[bucket[j]];
      out.emplace_back(key, reshape(pieces[j], value.shape()));
    }
  }
  return tree_unflatten(out);
}

}  // namespace lmx::nn
