// The buffer allocator: a size-class cache in front of the system allocator,
// with MLX's memory-introspection API.
#pragma once

#include <cstddef>
#include <vector>

namespace lmx {

class array;

namespace allocator {

// A raw buffer. Buffers come from and go back to the cache.
class Buffer {
 public:
  explicit Buffer(void* ptr = nullptr, size_t size = 0) : ptr_(ptr), size_(size) {}
  void* raw_ptr() const { return ptr_; }
  size_t size() const { return size_; }

 private:
  void* ptr_;
  size_t size_;
};

Buffer malloc(size_t size);
void free(Buffer buffer);

}  // namespace allocator

size_t get_active_memory();
// Bytes held by the buffers of `arrays` (each buffer once); they must be
// evaluated.
size_t get_array_buffer_size(const std::vector<array>& arrays);
size_t get_peak_memory();
void reset_peak_memory();
size_t get_cache_memory();
size_t set_cache_limit(size_t limit);
size_t set_memory_limit(size_t limit);
size_t get_memory_limit();
void clear_cache();
// Wired (resident) memory is a Metal notion; the CPU backend records the
// limit and returns the previous one.
size_t set_wired_limit(size_t limit);

}  // namespace lmx
