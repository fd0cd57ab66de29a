// Weight files for modules and optimizer state: the format follows the file
// extension (.safetensors or .npz).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "lmx/core/array.h"

namespace lmx::io {

void save_weights(const std::string& path,
                  const std::vector<std::pair<std::string, array>>& weights);
std::vector<std::pair<std::string, array>> load_weights(const std::string& path);

}  // namespace lmx::io
