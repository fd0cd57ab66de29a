#include "lmx/io/weights.h"

#include <stdexcept>

#include "lmx/core/error.h"
#include "lmx/io/file_io.h"
#include "lmx/io/load_save.h"

namespace lmx::io {

namespace {
// Errors of the writer underneath carry save_weights' name, the function the
// caller called: "[save_safetensors] ..." becomes "[save_weights] ...".
std::string renamed(const std::string& what, const char* who) {
  if (what.empty() || what[0] != '[') return std::string("[") + who + "] " + what;
  auto close = what.find(']');
  return std::string("[") + who + what.substr(close);
}

template <typename F>
void as(const char* who, F write) {
  try {
    write();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(renamed(e.what(), who));
  } catch (const std::overflow_error& e) {
    throw std::overflow_error(renamed(e.what(), who));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(renamed(e.what(), who));
  }
}
}  // namespace

void save_weights(const std::string& path,
                  const std::vector<std::pair<std::string, array>>& weights) {
  if (ends_with(path, ".safetensors"))
    return as("save_weights", [&] { save_safetensors_ordered(path, weights); });
  if (ends_with(path, ".npz"))
    return as("save_weights", [&] { save_npz_ordered(path, weights, false); });
  fail("save_weights", "Unsupported file extension for ", path, "; use .safetensors or .npz.");
}

std::vector<std::pair<std::string, array>> load_weights(const std::string& path) {
  if (ends_with(path, ".safetensors")) return load_safetensors_ordered(path);
  if (ends_with(path, ".npz")) return load_npz_ordered(path);
  fail("load_weights", "Unsupported file extension for ", path, "; use .safetensors or .npz.");
}

}  // namespace lmx::io
