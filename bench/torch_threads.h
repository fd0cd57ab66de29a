// libtorch at its best setting on this machine: one intra-op thread per core
// (set once, before its first benchmark).
#pragma once

#include <torch/torch.h>

#include <thread>

inline void torch_setup() {
  static bool done = false;
  if (!done) {
    torch::set_num_threads(static_cast<int>(std::thread::hardware_concurrency()));
    done = true;
  }
}
