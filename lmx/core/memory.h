// The buffer allocator: a size-class cache in front of the system allocator,
// with MLX's memory-introspection API.
#pragma once

#include <cstddef>

namespace lmx {

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
size_t get_peak_memory();
void reset_peak_memory();
size_t get_cache_memory();
size_t set_cache_limit(size_t limit);
size_t set_memory_limit(size_t limit);
size_t get_memory_limit();
void clear_cache();

}  // namespace lmx
