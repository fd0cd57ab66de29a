// lmx::distributed, run alone (a group of one) and under
// `mpirun -np 2` and `-np 3` (tests/CMakeLists.txt): every collective for
// every dtype against values each rank computes locally, groups from split,
// gradients through collectives, average_gradients, and the errors.
#include <cstdlib>

#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;
namespace dist = lmx::distributed;

namespace {

int expected_size() {
  const char* n = std::getenv("OMPI_COMM_WORLD_SIZE");
  return n ? std::atoi(n) : 1;
}

const std::vector<Dtype> kAllDtypes = {bool_,   uint8,   uint16,   uint32,   uint64,
                                       int8,    int16,   int32,    int64,    float16,
                                       float32, float64, bfloat16, complex64};

// Rank r's contribution: small integers that every dtype holds exactly.
array contribution(int r, Dtype dtype, const Shape& shape = {2, 3}) {
  auto base = reshape(arange(0, 6, 1), shape);
  if (dtype == bool_)
    return astype(equal(remainder(add(base, array(r)), array(3)), array(0)), bool_);
  return astype(add(base, array(r + 1)), dtype);
}

}  // namespace

TEST(Distributed, WorldGroup) {
  auto world = dist::init();
  EXPECT_EQ(world.size(), expected_size());
  EXPECT_GE(world.rank(), 0);
  EXPECT_LT(world.rank(), world.size());
  EXPECT_TRUE(dist::is_available("mpi") == dist::is_available());
  EXPECT_THROW_MSG(dist::init(false, "ring"), std::invalid_argument, "Unknown backend 'ring'");
}

TEST(Distributed, AllSumMaxMinForEveryDtype) {
  auto g = dist::init();
  const int n = g.size(), r = g.rank();
  for (Dtype dtype : kAllDtypes) {
    SCOPED_TRACE(dtype_to_string(dtype));
    auto x = contribution(r, dtype);
    array sum = contribution(0, dtype), mx = sum, mn = sum;
    for (int k = 1; k < n; ++k) {
      auto c = contribution(k, dtype);
      sum = dtype == bool_ ? logical_or(sum, c) : add(sum, c);
      if (dtype != complex64) {
        mx = maximum(mx, c);
        mn = minimum(mn, c);
      }
    }
    EXPECT_TRUE(array_equal(dist::all_sum(x, g), sum).item<bool>());
    EXPECT_EQ(dist::all_sum(x, g).dtype(), dtype);
    if (dtype == complex64) {
      if (n > 1) EXPECT_THROW_MSG(eval(dist::all_max(x, g)), std::invalid_argument, "complex64");
      continue;
    }
    EXPECT_TRUE(array_equal(dist::all_max(x, g), mx).item<bool>());
    EXPECT_TRUE(array_equal(dist::all_min(x, g), mn).item<bool>());
  }
  // A strided view and a broadcast input are made contiguous first.
  auto view = transpose(contribution(r, float32));
  auto want = transpose(dist::all_sum(contribution(r, float32), g));
  EXPECT_TRUE(array_equal(dist::all_sum(view, g), want).item<bool>());
  auto b = broadcast_to(array(static_cast<float>(r)), {4});
  EXPECT_TRUE(all_close(dist::all_sum(b, g), full({4}, static_cast<float>(n * (n - 1) / 2))));
}

TEST(Distributed, AllGatherAndSumScatter) {
  auto g = dist::init();
  const int n = g.size(), r = g.rank();
  for (Dtype dtype : kAllDtypes) {
    SCOPED_TRACE(dtype_to_string(dtype));
    std::vector<array> parts;
    for (int k = 0; k < n; ++k) parts.push_back(contribution(k, dtype));
    EXPECT_TRUE(array_equal(dist::all_gather(contribution(r, dtype), g), concatenate(parts, 0))
                    .item<bool>());
  }
  // Scalars gather into a vector (as MLX), when there is more than one rank.
  auto s = dist::all_gather(array(static_cast<float>(r)), g);
  EXPECT_EQ(s.shape(), n == 1 ? Shape{} : Shape{n});
  // sum_scatter: the sum of (2n, 3) arrays, rank r keeping rows 2r and 2r+1.
  auto x = multiply(ones({2 * n, 3}), array(static_cast<float>(r + 1)));
  auto part = dist::sum_scatter(x, g);
  EXPECT_EQ(part.shape(), n == 1 ? (Shape{2, 3}) : (Shape{2, 3}));
  EXPECT_TRUE(all_close(part, full({2, 3}, static_cast<float>(n * (n + 1) / 2))));
  if (n > 1) {
    EXPECT_THROW_MSG(dist::sum_scatter(ones({n + 1, 2}), g), std::invalid_argument,
                     "[sum_scatter] Invalid shape=(" + std::to_string(n + 1) +
                         ",2) for a group of size " + std::to_string(n));
  }
}

TEST(Distributed, SendAndRecvAroundARing) {
  auto g = dist::init();
  const int n = g.size(), r = g.rank();
  if (n == 1) {
    EXPECT_THROW_MSG(dist::send(ones({2}), 0, g), std::invalid_argument,
                     "[send] Cannot send to a singleton group.");
    EXPECT_THROW_MSG(dist::recv({2}, float32, 0, g), std::invalid_argument,
                     "[recv] Cannot recv from a singleton group.");
    return;
  }
  EXPECT_THROW_MSG(dist::send(ones({2}), n, g), std::invalid_argument,
                   "[send] Invalid destination=" + std::to_string(n));
  EXPECT_THROW_MSG(dist::recv({2}, float32, -1, g), std::invalid_argument,
                   "[recv] Invalid source=-1");
  const int next = (r + 1) % n, prev = (r + n - 1) % n;
  for (int size : {5, 1 << 20}) {  // eager and rendezvous messages
    auto mine = multiply(arange(0, size, 1, float32), array(static_cast<float>(r)));
    auto theirs = multiply(arange(0, size, 1, float32), array(static_cast<float>(prev)));
    array got = zeros({1});
    // Even ranks send first, odd ranks receive first: no cycle waits.
    if (r % 2 == 0) {
      eval(dist::send(mine, next, g));
      got = dist::recv_like(mine, prev, g);
      eval(got);
    } else {
      got = dist::recv_like(mine, prev, g);
      eval(got);
      eval(dist::send(mine, next, g));
    }
    EXPECT_TRUE(array_equal(got, theirs).item<bool>());
  }
  // A receiver that expects another dtype names both.
  if (r == 0) eval(dist::send(ones({4}), 1, g));
  if (r == 1) {
    EXPECT_THROW_MSG(eval(dist::recv({4}, int32, 0, g)), std::invalid_argument,
                     "[recv] Expected int32 array of shape (4) from rank 0 but it sent float32 "
                     "array of shape (4).");
  }
}

TEST(Distributed, MismatchedShapesNameBothRanks) {
  auto g = dist::init();
  if (g.size() == 1) return;
  auto x = ones({g.rank() == 0 ? 2 : 3});
  EXPECT_THROW_MSG(eval(dist::all_sum(x, g)), std::invalid_argument,
                   "[all_sum] Rank 0 has float32 array of shape (2) but rank 1 has float32 "
                   "array of shape (3); every rank must pass the same shape and dtype.");
  auto y = g.rank() == 0 ? ones({2}) : ones({2}, int32);
  EXPECT_THROW_MSG(eval(dist::all_gather(y, g)), std::invalid_argument,
                   "but rank 1 has int32 array of shape (2)");
}

TEST(Distributed, SplitMakesSubgroups) {
  auto g = dist::init();
  const int n = g.size(), r = g.rank();
  auto sub = g.split(r % 2);
  int members = (n + 1 - r % 2) / 2;  // ranks of this parity
  EXPECT_EQ(sub.size(), members);
  EXPECT_EQ(sub.rank(), r / 2);
  // The sum over the subgroup is the sum of the ranks of this parity.
  int want = 0;
  for (int k = r % 2; k < n; k += 2) want += k;
  EXPECT_EQ(dist::all_sum(array(r), sub).item<int>(), want);
  // Reversed order by key.
  auto rev = g.split(0, n - 1 - r);
  EXPECT_EQ(rev.rank(), n - 1 - r);
  EXPECT_THROW_MSG(g.split(-1), std::invalid_argument, "[split] The color must be non-negative");
}

TEST(Distributed, GradientsThroughCollectives) {
  auto g = dist::init();
  const int n = g.size(), r = g.rank();
  auto w = astype(add(arange(0, 4, 1), array(r)), float32);
  auto x = ones({4});
  // Every rank's loss reads every rank's x through all_sum, so the vjp of
  // all_sum is an all_sum: d/dx_r of the ranks' summed losses sum(all_sum(x * w))
  // is n * w_r.
  auto gx = grad([&](const std::vector<array>& a) {
    return sum(dist::all_sum(multiply(a[0], w), g));
  })({x})[0];
  EXPECT_TRUE(all_close(gx, multiply(w, array(static_cast<float>(n)))));
  // jvp of all_sum is all_sum of the tangent.
  auto [outs, tans] =
      jvp([&](const std::vector<array>& a) { return std::vector<array>{dist::all_sum(a[0], g)}; },
          {x}, {w});
  EXPECT_TRUE(all_close(tans[0], dist::all_sum(w, g)));
  // all_gather's vjp keeps this rank's rows (as MLX).
  auto c = astype(arange(0, 4 * n, 1), float32);
  auto gg = grad([&](const std::vector<array>& a) {
    return sum(multiply(dist::all_gather(a[0], g), c));
  })({x})[0];
  EXPECT_TRUE(all_close(gg, slice(c, {4 * r}, {4 * r + 4})));
  // vmap over an all_sum keeps the batch axis.
  auto batched = vmap([&](const std::vector<array>& a) {
    return std::vector<array>{dist::all_sum(a[0], g)};
  })({reshape(w, {2, 2})})[0];
  EXPECT_TRUE(all_close(batched, reshape(dist::all_sum(w, g), {2, 2})));
  // Finite differences of a function of all_sum, in float64, with the same
  // input on every rank (each rank's perturbation then moves every rank's
  // output as the adjoint says).
  auto x64 = multiply(astype(arange(1, 5, 1), float64), array(0.1));
  check_grad(
      [&](const std::vector<array>& a) { return tanh(dist::all_sum(multiply(a[0], a[0]), g)); },
      {x64});
}

TEST(Distributed, AverageGradientsIsTheMean) {
  auto g = dist::init();
  const int n = g.size(), r = g.rank();
  Tree grads = Tree::dict(
      {{"layers", Tree::list({Tree::dict({{"weight", full({3, 4}, static_cast<float>(r))},
                                          {"bias", full({4}, static_cast<float>(2 * r))}}),
                              Tree::dict({{"weight", full({2, 2}, 1.0f)}})})}});
  float mean_r = (n - 1) / 2.0f;
  for (int64_t bucket : {int64_t{0}, int64_t{16}, int64_t{32} << 20}) {
    SCOPED_TRACE(bucket);
    auto avg = nn::average_gradients(grads, g, bucket);
    EXPECT_TRUE(all_close(avg["layers"][0]["weight"].as_array(), full({3, 4}, mean_r)));
    EXPECT_TRUE(all_close(avg["layers"][0]["bias"].as_array(), full({4}, 2 * mean_r)));
    EXPECT_TRUE(all_close(avg["layers"][1]["weight"].as_array(), full({2, 2}, 1.0f)));
  }
  auto low = nn::average_gradients(grads, g, 32 << 20, bfloat16);
  EXPECT_EQ(low["layers"][0]["weight"].as_array().dtype(), float32);
  EXPECT_TRUE(all_close(low["layers"][0]["weight"].as_array(), full({3, 4}, mean_r), 1e-2, 1e-2));
}
