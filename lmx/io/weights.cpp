#include "lmx/io/weights.h"

#include <stdexcept>

#include "lmx/io/file_io.h"
#include "lmx/io/load_save.h"

namespace lmx::io {

void save_weights(const std::string& path,
                  const std::vector<std::pair<std::string, array>>& weights) {
  if (ends_with(path, ".safetensors")) return save_safetensors_ordered(path, weights);
  if (ends_with(path, ".npz")) return save_npz_ordered(path, weights, false);
  throw std::invalid_argument("[save_weights] Unsupported file extension for " + path +
                              "; use .safetensors or .npz.");
}

std::vector<std::pair<std::string, array>> load_weights(const std::string& path) {
  if (ends_with(path, ".safetensors")) return load_safetensors_ordered(path);
  if (ends_with(path, ".npz")) return load_npz_ordered(path);
  throw std::invalid_argument("[load_weights] Unsupported file extension for " + path +
                              "; use .safetensors or .npz.");
}

}  // namespace lmx::io
