// lmx::distributed beside MPI itself, in one run under mpirun:
//   1. all_sum of a float32 buffer (64 MB by default) against MPI_Allreduce
//      called directly on the same buffer, alternating, as bandwidth;
//   2. the data-parallel step of the seeds' MLP (batch 256 split over the
//      ranks): value_and_grad, average_gradients with bucketing on and off,
//      the update and eval, against the same step without communication.
// Medians over --reps of each; rank 0 prints.
//   mpirun --allow-run-as-root -np 2 ./build/bench/distributed_bench [--mb 64] [--reps 15]
// The C API only (Open MPI's C++ bindings warn under -Wextra).
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

#include <lmx/lmx.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace mx = lmx;
namespace nn = lmx::nn;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct MLP : nn::Module {
  std::vector<nn::Linear> layers;
  MLP() {
    int sizes[] = {784, 32, 32, 10};
    for (int i = 0; i < 3; ++i) layers.emplace_back(sizes[i], sizes[i + 1]);
    register_module("layers", layers);
  }
  mx::array operator()(mx::array x) override {
    for (size_t i = 0; i + 1 < layers.size(); ++i) x = mx::maximum(layers[i](x), 0.0f);
    return layers.back()(x);
  }
};

}  // namespace

int main(int argc, char** argv) {
  int mb = 64, reps = 15;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--mb")) mb = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
  }
  auto world = mx::distributed::init(true);  // initialises MPI (thread multiple)
  const int rank = world.rank(), size = world.size();
  const size_t count = static_cast<size_t>(mb) * 1024 * 1024 / 4;

  // 1. all_sum against MPI_Allreduce on the same buffer.
  auto x = mx::ones({static_cast<int>(count)});
  mx::eval(x);
  std::vector<float> out(count);
  std::vector<double> t_lmx, t_mpi;
  auto time_mpi = [&] {
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = now();
    MPI_Allreduce(x.data<float>(), out.data(), static_cast<int>(count), MPI_FLOAT, MPI_SUM,
                  MPI_COMM_WORLD);
    return now() - t0;
  };
  auto time_lmx = [&] {
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = now();
    auto y = mx::distributed::all_sum(x, world);
    mx::eval(y);
    return now() - t0;
  };
  for (int r = 0; r < reps + 2; ++r) {
    // Alternating, and which goes first alternates too.
    double a, b;
    if (r % 2) {
      a = time_lmx();
      b = time_mpi();
    } else {
      b = time_mpi();
      a = time_lmx();
    }
    if (r >= 2) {  // the first two warm up
      t_mpi.push_back(b);
      t_lmx.push_back(a);
    }
  }
  const double gb = static_cast<double>(count) * 4 / 1e9;
  if (rank == 0) {
    double a = median(t_lmx), b = median(t_mpi);
    std::printf("all_sum of %d MB float32 over %d ranks (median of %d, alternating):\n", mb, size,
                reps);
    std::printf("  MPI_Allreduce  %8.2f ms  %6.2f GB/s\n", b * 1e3, gb / b);
    std::printf("  lmx all_sum    %8.2f ms  %6.2f GB/s  (%.2fx MPI's bandwidth)\n", a * 1e3, gb / a,
                b / a);
  }

  // 2. The data-parallel MLP step.
  mx::random::seed(0);
  MLP model;
  mx::eval(model.parameters());
  mx::optim::SGD opt(0.1f);
  auto loss_and_grad =
      nn::value_and_grad(model, [](MLP& m, const mx::array& a, const mx::array& b) {
        return mx::mean(nn::losses::cross_entropy(m(a), b));
      });
  const int shard = 256 / size;
  auto xb = mx::random::uniform({shard, 784});
  auto yb = mx::astype(mx::random::randint(0, 10, {shard}), mx::uint32);
  mx::eval(xb, yb);
  auto step = [&](int64_t bucket, bool communicate) {
    auto [loss, grads] = loss_and_grad(model, xb, yb);
    if (communicate) grads = nn::average_gradients(grads, world, bucket);
    opt.update(model, grads);
    mx::eval(model.parameters(), opt.state());
  };
  const int steps = 20;
  std::vector<double> t_alone, t_bucket, t_leaf;
  for (int r = 0; r < reps + 1; ++r) {
    double times[3];
    int k = 0;
    for (auto [bucket, comm] : {std::pair<int64_t, bool>{0, false}, {32 << 20, true}, {0, true}}) {
      MPI_Barrier(MPI_COMM_WORLD);
      double t0 = now();
      for (int s = 0; s < steps; ++s) step(bucket, comm);
      times[k++] = (now() - t0) / steps;
    }
    if (r >= 1) {
      t_alone.push_back(times[0]);
      t_bucket.push_back(times[1]);
      t_leaf.push_back(times[2]);
    }
  }
  if (rank == 0) {
    double a = median(t_alone), b = median(t_bucket), c = median(t_leaf);
    std::printf("MLP step (784-32-32-10, batch 256 split over %d ranks; median of %d):\n", size,
                reps);
    std::printf("  no communication            %7.3f ms\n", a * 1e3);
    std::printf("  average_gradients, buckets  %7.3f ms  (+%.3f ms)\n", b * 1e3, (b - a) * 1e3);
    std::printf("  average_gradients, per leaf %7.3f ms  (+%.3f ms)\n", c * 1e3, (c - a) * 1e3);
  }
  return 0;
}
