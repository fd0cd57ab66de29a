// Data sets: gzip IDX files (MNIST, Fashion-MNIST), read from a directory or
// downloaded from public mirrors into a cache, and a shuffling minibatch
// iterator.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lmx/core/array.h"

namespace lmx::io {

// Parses a gzip-compressed IDX file. Magic, dimensions and sizes are checked:
// a truncated, oversized or malformed file is an error.
array read_idx_gz(const std::string& path);

struct DataFile {
  std::string name;    // e.g. "train-images-idx3-ubyte.gz"
  std::string sha256;  // of the compressed file
};

struct DatasetSpec {
  std::string name;                  // "mnist" or "fashion_mnist"
  std::vector<std::string> mirrors;  // base URLs, tried in order
  std::vector<DataFile> files;       // train images, train labels, test images, test labels
};

DatasetSpec mnist_spec();
DatasetSpec fashion_mnist_spec();

// The directory downloads go to: $LMX_DATA_DIR/<name>, else
// $XDG_CACHE_HOME/lmx/<name>, else ~/.cache/lmx/<name>.
std::string default_cache_dir(const std::string& name);

struct ImageDataset {
  array train_images;  // (N, 784) float32 in [0, 1]
  array train_labels;  // (N,) uint32
  array test_images;
  array test_labels;
};

// Loads a data set from `dir` when it holds the files; otherwise from the
// cache directory, downloading missing files (verified by SHA-256) when
// `download` is true.
ImageDataset load_dataset(const DatasetSpec& spec,
                          const std::optional<std::string>& dir = std::nullopt,
                          bool download = true,
                          const std::optional<std::string>& cache_dir = std::nullopt);
ImageDataset mnist(const std::optional<std::string>& dir = std::nullopt, bool download = true);
ImageDataset fashion_mnist(const std::optional<std::string>& dir = std::nullopt,
                           bool download = true);

// Fetches url into path atomically if its SHA-256 matches; returns an error
// description (empty on success).
std::string download_file(const std::string& url, const std::string& path,
                          const std::string& sha256);
std::string sha256_hex(const std::string& bytes);

// Shuffled minibatches of (X, y) along the first axis, as the seeds'
// batch_iterate: `for (auto [xb, yb] : batch_iterate(256, X, y))`.
//
// With `prefetch` (the default), handing out one batch starts gathering the
// next with async_eval, so the gather (a random read of batch_size rows from
// memory) runs on an otherwise idle worker while the caller trains on the
// current batch. The batches are the same either way.
class BatchIterate {
 public:
  BatchIterate(int batch_size, array x, array y, bool prefetch = true);
  struct Iterator {
    const BatchIterate* owner;
    int start;
    std::pair<array, array> operator*() const;
    Iterator& operator++() {
      start += owner->batch_size_;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return start < o.start; }
  };
  Iterator begin() const { return {this, 0}; }
  Iterator end() const { return {this, static_cast<int>(x_.shape(0))}; }

 private:
  std::pair<array, array> batch(int start) const;

  int batch_size_;
  array x_, y_, perm_;
  bool prefetch_;
  // The batch being gathered in the background, and where it starts.
  mutable std::optional<std::pair<int, std::pair<array, array>>> next_;
};

inline BatchIterate batch_iterate(int batch_size, const array& x, const array& y,
                                  bool prefetch = true) {
  return BatchIterate(batch_size, x, y, prefetch);
}

}  // namespace lmx::io
