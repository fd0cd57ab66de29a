// Array files: .npy, .npz (stored or deflated) and .safetensors, readable and
// writable by NumPy and the safetensors library. Every header, offset, size
// and dtype is validated on load; writes go to a temporary file renamed into
// place, so a failed write never replaces a good file.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx {

// .npy
void save(std::string file, array a);
array load(std::string file, StreamOrDevice s = {});

// .safetensors, with string metadata
using SafetensorsLoad =
    std::pair<std::unordered_map<std::string, array>, std::unordered_map<std::string, std::string>>;
SafetensorsLoad load_safetensors(const std::string& file, StreamOrDevice s = {});
void save_safetensors(std::string file, std::unordered_map<std::string, array> arrays,
                      std::unordered_map<std::string, std::string> metadata = {});

// .npz: a zip of .npy files, one per name
std::unordered_map<std::string, array> load_npz(const std::string& file, StreamOrDevice s = {});
void savez(std::string file, const std::unordered_map<std::string, array>& arrays);
void savez_compressed(std::string file, const std::unordered_map<std::string, array>& arrays);

namespace io {
// Ordered variants (used for weight files, where key order is kept).
std::vector<std::pair<std::string, array>> load_safetensors_ordered(
    const std::string& file, std::unordered_map<std::string, std::string>* metadata = nullptr);
void save_safetensors_ordered(const std::string& file,
                              const std::vector<std::pair<std::string, array>>& arrays,
                              const std::unordered_map<std::string, std::string>& metadata = {});
std::vector<std::pair<std::string, array>> load_npz_ordered(const std::string& file);
void save_npz_ordered(const std::string& file,
                      const std::vector<std::pair<std::string, array>>& arrays, bool compressed);
// .npy bytes in memory (shared by npy and npz).
std::string npy_bytes(const array& a, const char* who);
array npy_from_bytes(const std::string& bytes, const std::string& what);
}  // namespace io

}  // namespace lmx
