// GGUF files (MLX's load_gguf / save_gguf): arrays and typed metadata.
// Q4_0, Q4_1 and Q8_0 tensors load as affine quantized arrays of group size
// 32 (`name`, `name.scales`, `name.biases`, for quantized_matmul and
// dequantize); F32, F16, BF16, F64 and I8-I64 tensors as arrays of that
// dtype. Metadata values are arrays (numbers and numeric lists), strings and
// lists of strings.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx {

using GGUFMetaData = std::variant<std::monostate, array, std::string, std::vector<std::string>>;
using GGUFLoad = std::pair<std::unordered_map<std::string, array>,
                           std::unordered_map<std::string, GGUFMetaData>>;

GGUFLoad load_gguf(const std::string& file, StreamOrDevice s = {});
void save_gguf(std::string file, std::unordered_map<std::string, array> array_map,
               std::unordered_map<std::string, GGUFMetaData> meta_data = {});

namespace io {
// In file order (tensors and metadata as stored).
std::vector<std::pair<std::string, array>> load_gguf_ordered(
    const std::string& file, std::vector<std::pair<std::string, GGUFMetaData>>* metadata = nullptr);
void save_gguf_ordered(const std::string& file,
                       const std::vector<std::pair<std::string, array>>& arrays,
                       const std::vector<std::pair<std::string, GGUFMetaData>>& metadata = {});
}  // namespace io

}  // namespace lmx
