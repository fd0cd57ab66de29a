#include "lmx/core/memory.h"

#include "lmx/core/array.h"
#include "lmx/core/error.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cstdlib>
#include <mutex>
#include <new>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace lmx {

namespace {

// Sizes are rounded up to a size class: powers of two below 16 KiB, then
// multiples of a quarter of the next power of two, so reuse is likely and waste
// stays under 25%.
size_t size_class(size_t n) {
  if (n <= 64) return 64;
  if (n <= (size_t{1} << 14)) return std::bit_ceil(n);
  size_t p = std::bit_floor(n);
  size_t q = p / 4;
  return (n + q - 1) / q * q;
}

// Large buffers are 2 MiB aligned and offered to transparent huge pages:
// streaming kernels over them then take far fewer TLB misses.
void* system_alloc(size_t size) {
  constexpr size_t kHuge = size_t{2} << 20;
  if (size < kHuge) return std::aligned_alloc(64, size);
  void* p = std::aligned_alloc(kHuge, (size + kHuge - 1) / kHuge * kHuge);
  if (p) madvise(p, size, MADV_HUGEPAGE);
  return p;
}

// The machine's physical memory: no single process request above it can be
// met, so it is the default limit.
size_t physical_memory() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return ~size_t{0};
  return static_cast<size_t>(pages) * static_cast<size_t>(page);
}

[[noreturn]] void cannot_allocate(size_t size, size_t limit) {
  std::ostringstream msg;
  msg << "[malloc] cannot allocate " << size << " bytes (limit " << limit << ").";
  throw std::runtime_error(msg.str());
}

class BufferCache {
 public:
  allocator::Buffer malloc(size_t size) {
    // Checked before rounding up, which would wrap for sizes near 2^64.
    if (size > memory_limit()) cannot_allocate(size, memory_limit());
    size_t cls = size_class(size == 0 ? 1 : size);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(cls);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cache_bytes_ -= cls;
        note_active(cls);
        return allocator::Buffer(p, cls);
      }
      if (active_ + cls > memory_limit_) {
        release_cache_locked(cache_bytes_);
        if (active_ + cls > memory_limit_) cannot_allocate(size, memory_limit_);
      }
      note_active(cls);
    }
    void* p = system_alloc(cls);
    if (p == nullptr) {
      std::lock_guard<std::mutex> lock(mutex_);
      release_cache_locked(cache_bytes_);
      p = system_alloc(cls);
      if (p == nullptr) {
        active_ -= cls;
        cannot_allocate(size, memory_limit_);
      }
    }
    return allocator::Buffer(p, cls);
  }

  void free(allocator::Buffer b) {
    if (b.raw_ptr() == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    active_ -= b.size();
    if (cache_bytes_ + b.size() <= cache_limit_) {
      free_[b.size()].push_back(b.raw_ptr());
      cache_bytes_ += b.size();
    } else {
      std::free(b.raw_ptr());
    }
  }

  size_t active() {
    std::lock_guard<std::mutex> lock(mutex_);
    return active_;
  }
  size_t peak() {
    std::lock_guard<std::mutex> lock(mutex_);
    return peak_;
  }
  void reset_peak() {
    std::lock_guard<std::mutex> lock(mutex_);
    peak_ = active_;
  }
  size_t cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cache_bytes_;
  }
  size_t set_cache_limit(size_t limit) {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t old = cache_limit_;
    cache_limit_ = limit;
    if (cache_bytes_ > limit) release_cache_locked(cache_bytes_ - limit);
    return old;
  }
  size_t set_memory_limit(size_t limit) {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t old = memory_limit_;
    memory_limit_ = limit;
    return old;
  }
  size_t memory_limit() {
    std::lock_guard<std::mutex> lock(mutex_);
    return memory_limit_;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_cache_locked(cache_bytes_);
  }

 private:
  void note_active(size_t n) {
    active_ += n;
    if (active_ > peak_) peak_ = active_;
  }
  void release_cache_locked(size_t want) {
    size_t released = 0;
    for (auto it = free_.begin(); it != free_.end() && released < want; ++it) {
      auto& list = it->second;
      while (!list.empty() && released < want) {
        std::free(list.back());
        list.pop_back();
        released += it->first;
      }
    }
    cache_bytes_ -= released;
  }

  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  size_t active_ = 0;
  size_t peak_ = 0;
  size_t cache_bytes_ = 0;
  size_t cache_limit_ = size_t{4} << 30;
  size_t memory_limit_ = physical_memory();
};

BufferCache& cache() {
  // Never destroyed: arrays held in static storage may be freed after main.
  static BufferCache* c = new BufferCache();
  return *c;
}

}  // namespace

namespace allocator {
Buffer malloc(size_t size) {
  return cache().malloc(size);
}
void free(Buffer buffer) {
  cache().free(buffer);
}
}  // namespace allocator

size_t get_active_memory() {
  return cache().active();
}
size_t get_peak_memory() {
  return cache().peak();
}
void reset_peak_memory() {
  cache().reset_peak();
}
size_t get_cache_memory() {
  return cache().cache();
}
size_t set_cache_limit(size_t limit) {
  return cache().set_cache_limit(limit);
}
size_t set_memory_limit(size_t limit) {
  return cache().set_memory_limit(limit);
}
size_t get_memory_limit() {
  return cache().memory_limit();
}
void clear_cache() {
  cache().clear();
}

size_t get_array_buffer_size(const std::vector<array>& arrays) {
  std::unordered_map<const void*, size_t> buffers;
  for (auto& a : arrays) {
    if (!a.is_available()) {
      fail("get_array_buffer_size", "Arrays must be evaluated before querying buffer size.");
    }
    if (a.has_data()) buffers.emplace(a.buffer().raw_ptr(), a.buffer_size());
  }
  size_t total = 0;
  for (auto& [ptr, size] : buffers) total += size;
  return total;
}

namespace {
std::atomic<size_t> wired_limit{0};
}  // namespace

size_t set_wired_limit(size_t limit) {
  return wired_limit.exchange(limit);
}

}  // namespace lmx
