// Reading MNIST's gzip IDX files into tensors, for the libtorch peers of
// bench/mnist (torch_mlp.cpp, torch_cnn.cpp).
#pragma once

#include <torch/torch.h>
#include <zlib.h>

#include <stdexcept>
#include <string>
#include <vector>

// Reads a gzip IDX file of unsigned bytes.
inline torch::Tensor read_idx(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  std::vector<unsigned char> bytes;
  unsigned char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) bytes.insert(bytes.end(), buf, buf + n);
  gzclose(f);
  int ndim = bytes.at(3);
  std::vector<int64_t> shape;
  for (int i = 0; i < ndim; ++i) {
    const unsigned char* p = bytes.data() + 4 + 4 * i;
    shape.push_back((int64_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3]);
  }
  auto t = torch::from_blob(bytes.data() + 4 + 4 * ndim, shape, torch::kUInt8).clone();
  return t;
}
