// array: a cheap-to-copy handle to a node of the lazy computation graph.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "lmx/core/device.h"
#include "lmx/core/dtype.h"
#include "lmx/core/memory.h"

namespace lmx {

class Primitive;

using ShapeElem = int32_t;
using Shape = std::vector<ShapeElem>;
using Strides = std::vector<int64_t>;
using Deleter = std::function<void(allocator::Buffer)>;

// Scalars that convert implicitly to a zero-dimensional array.
template <typename T>
inline constexpr bool is_scalar_v =
    std::is_arithmetic_v<T> || is_half_v<T> || std::is_same_v<T, complex64_t>;

class array {
 public:
  // A zero-dimensional array holding one scalar.
  template <typename T, typename = std::enable_if_t<is_scalar_v<T>>>
  array(T val, Dtype dtype = dtype_of<T>());

  // Copies a host range; the shape must match the number of elements.
  template <typename It, typename = std::enable_if_t<!std::is_integral_v<It> && !is_scalar_v<It>>>
  array(It data, Shape shape,
        Dtype dtype = dtype_of<typename std::iterator_traits<It>::value_type>());

  // The list constructors are explicit (as MLX's), so a braced list passed
  // where a Shape or an array could go is a Shape.
  template <typename T>
  explicit array(std::initializer_list<T> data, Dtype dtype = dtype_of<T>());

  // An empty list is a float32 array of shape (0,), as MLX.
  explicit array(std::initializer_list<float> data);
  // So that array({}, dtype) is an empty array of that dtype.
  explicit array(std::initializer_list<int> data, Dtype dtype);

  template <typename T>
  explicit array(std::initializer_list<T> data, Shape shape, Dtype dtype = dtype_of<T>());

  // Wraps an existing buffer without copying; `deleter` releases it.
  array(allocator::Buffer data, Shape shape, Dtype dtype, Deleter deleter = allocator::free);
  array(void* data, Shape shape, Dtype dtype, const std::function<void(void*)>& deleter);

  // A node computed by `primitive` from `inputs` (used by ops).
  array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive, std::vector<array> inputs);

  static std::vector<array> make_arrays(std::vector<Shape> shapes, const std::vector<Dtype>& dtypes,
                                        const std::shared_ptr<Primitive>& primitive,
                                        const std::vector<array>& inputs);

  array(const array&) = default;
  array(array&&) noexcept = default;
  array& operator=(const array&) & = default;
  array& operator=(array&&) & noexcept = default;
  ~array() = default;

  // Metadata.
  Dtype dtype() const { return desc_->dtype; }
  size_t itemsize() const { return size_of(dtype()); }
  size_t size() const { return desc_->size; }
  size_t nbytes() const { return size() * itemsize(); }
  int ndim() const { return static_cast<int>(desc_->shape.size()); }
  const Shape& shape() const { return desc_->shape; }
  // The size of dimension `dim`; negative dims count from the end.
  int shape(int dim) const;
  const Strides& strides() const { return desc_->strides; }
  int64_t strides(int dim) const { return desc_->strides.at(dim < 0 ? dim + ndim() : dim); }

  // Evaluation.
  void eval();
  template <typename T>
  T item();
  template <typename T>
  T item() const;

  // Pointer to the (evaluated) elements, offset for views. Evaluates the array
  // first if needed, so the pointer never dangles into an unevaluated node.
  template <typename T>
  T* data();
  template <typename T>
  const T* data() const;

  enum class Status { unscheduled, scheduled, available };
  // Atomic: an async_eval job marks its nodes available on another thread.
  Status status() const { return desc_->status.load(std::memory_order_acquire); }
  bool is_available() const { return status() == Status::available; }

  // Graph access (for transforms and backends).
  bool has_primitive() const { return desc_->primitive != nullptr; }
  Primitive& primitive() const { return *desc_->primitive; }
  std::shared_ptr<Primitive> primitive_ptr() const { return desc_->primitive; }
  std::vector<array>& inputs() { return desc_->inputs; }
  const std::vector<array>& inputs() const { return desc_->inputs; }
  std::vector<array> siblings() const;
  // All outputs of this array's primitive, in order (itself if single-output).
  std::vector<array> outputs() const;
  // outputs(), where the siblings of a node not yet evaluated that were
  // freed are brought back as outputs of the node (computed with it), so a
  // gradient rule can take them as inputs of new nodes. Siblings of an
  // evaluated node stay stand-ins without data or primitive.
  std::vector<array> live_outputs() const;
  int sibling_position() const { return desc_->position; }
  std::uintptr_t id() const { return reinterpret_cast<std::uintptr_t>(desc_.get()); }
  bool is_tracer() const;
  void set_tracer(bool t) { desc_->is_tracer = t; }
  void detach();

  // Data layout (for backends).
  struct Flags {
    bool contiguous : 1;  // elements occupy a dense range of data_size elements
    bool row_contiguous : 1;
    bool col_contiguous : 1;
  };
  const Flags& flags() const { return desc_->flags; }
  size_t data_size() const { return desc_->data_size; }
  size_t offset() const { return desc_->offset; }
  allocator::Buffer& buffer() { return desc_->data->buffer; }
  const allocator::Buffer& buffer() const { return desc_->data->buffer; }
  bool has_data() const { return desc_->data != nullptr; }
  size_t buffer_size() const { return desc_->data ? desc_->data->buffer.size() : 0; }

  // An input may hand its buffer to an output when nothing else refers to it.
  bool is_donatable() const {
    return desc_.use_count() == 1 && desc_->data && desc_->data.use_count() == 1;
  }

  // Allocates row-contiguous storage for this array.
  void set_data(allocator::Buffer buffer, Deleter d = allocator::free);
  void set_data(allocator::Buffer buffer, size_t data_size, Strides strides, Flags flags,
                Deleter d = allocator::free);
  // Shares `other`'s buffer (a view), with a layout of its own.
  void copy_shared_buffer(const array& other, const Strides& strides, Flags flags, size_t data_size,
                          size_t offset_elems = 0);
  void copy_shared_buffer(const array& other);
  void move_shared_buffer(array other);
  void set_status(Status s) { desc_->status.store(s, std::memory_order_release); }

  bool is_same(const array& other) const { return desc_ == other.desc_; }

  // Iterates over the first axis, yielding sub-arrays (as MLX).
  class ArrayIterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using difference_type = size_t;
    using value_type = const array;
    using reference = value_type;
    ArrayIterator(const array& arr, int idx = 0);
    reference operator*() const;
    ArrayIterator& operator+(difference_type diff) {
      idx += static_cast<int>(diff);
      return *this;
    }
    ArrayIterator& operator++() {
      idx++;
      return *this;
    }
    friend bool operator==(const ArrayIterator& a, const ArrayIterator& b) {
      return a.arr.id() == b.arr.id() && a.idx == b.idx;
    }
    friend bool operator!=(const ArrayIterator& a, const ArrayIterator& b) { return !(a == b); }

   private:
    const array& arr;
    int idx;
  };
  ArrayIterator begin() const { return ArrayIterator(*this); }
  ArrayIterator end() const { return ArrayIterator(*this, shape(0)); }

 private:
  struct Data {
    allocator::Buffer buffer;
    Deleter deleter;
    Data(allocator::Buffer b, Deleter d) : buffer(b), deleter(std::move(d)) {}
    Data(const Data&) = delete;
    Data& operator=(const Data&) = delete;
    ~Data() { deleter(buffer); }
  };

  struct ArrayDesc {
    Shape shape;
    Strides strides;
    size_t size = 0;
    Dtype dtype;
    std::shared_ptr<Primitive> primitive;
    std::vector<array> inputs;
    // Weak, so that outputs of one primitive do not keep each other alive.
    std::vector<std::weak_ptr<ArrayDesc>> siblings;
    // Shapes and dtypes of all outputs, to stand in for siblings already freed.
    std::shared_ptr<const std::vector<std::pair<Shape, Dtype>>> sibling_specs;
    int position = 0;
    std::shared_ptr<Data> data;
    size_t offset = 0;  // in elements
    size_t data_size = 0;
    Flags flags{true, true, true};
    std::atomic<Status> status{Status::unscheduled};
    bool is_tracer = false;
    uint64_t visit_mark = 0;  // used by graph walks instead of a hash set

    ArrayDesc(Shape shape, Dtype dtype);
    ArrayDesc(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive,
              std::vector<array> inputs);
    ~ArrayDesc();
  };

  explicit array(std::shared_ptr<ArrayDesc> desc) : desc_(std::move(desc)) {}
  void mark_filled();
  void init_from_host(const void* src, Dtype src_dtype);
  template <typename It>
  void init(It begin);

  std::shared_ptr<ArrayDesc> desc_;

  friend class GraphAccess;
};

// ---------------------------------------------------------------------------
// Template definitions.

namespace detail {
// Converts a host scalar to the array's dtype and writes it to dst.
template <typename T>
void write_as(void* dst, Dtype dtype, const T& v);
void check_host_size(size_t n, const Shape& shape);
void throw_item_size(size_t size);
}  // namespace detail

template <typename T, typename>
array::array(T val, Dtype dtype) : desc_(std::make_shared<ArrayDesc>(Shape{}, dtype)) {
  set_data(allocator::malloc(size_of(dtype)));
  detail::write_as(buffer().raw_ptr(), dtype, val);
}

template <typename It>
void array::init(It it) {
  set_data(allocator::malloc(std::max<size_t>(nbytes(), 1)));
  char* dst = static_cast<char*>(buffer().raw_ptr());
  size_t n = size();
  for (size_t i = 0; i < n; ++i, ++it) detail::write_as(dst + i * itemsize(), dtype(), *it);
}

template <typename It, typename>
array::array(It data, Shape shape, Dtype dtype)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  init(data);
}

template <typename T>
array::array(std::initializer_list<T> data, Dtype dtype)
    : desc_(std::make_shared<ArrayDesc>(Shape{static_cast<ShapeElem>(data.size())}, dtype)) {
  init(data.begin());
}

inline array::array(std::initializer_list<float> data)
    : desc_(std::make_shared<ArrayDesc>(Shape{static_cast<ShapeElem>(data.size())}, float32)) {
  init(data.begin());
}

inline array::array(std::initializer_list<int> data, Dtype dtype)
    : desc_(std::make_shared<ArrayDesc>(Shape{static_cast<ShapeElem>(data.size())}, dtype)) {
  init(data.begin());
}

template <typename T>
array::array(std::initializer_list<T> data, Shape shape, Dtype dtype)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  detail::check_host_size(data.size(), desc_->shape);
  init(data.begin());
}

template <typename T>
T* array::data() {
  if (!is_available()) eval();
  return static_cast<T*>(desc_->data->buffer.raw_ptr()) + desc_->offset * itemsize() / sizeof(T);
}

template <typename T>
const T* array::data() const {
  return const_cast<array*>(this)->data<T>();
}

namespace detail {
template <typename T>
T read_as(const void* src, Dtype dtype);
}

template <typename T>
T array::item() {
  if (size() != 1) detail::throw_item_size(size());
  eval();
  const char* p =
      static_cast<const char*>(desc_->data->buffer.raw_ptr()) + desc_->offset * itemsize();
  return detail::read_as<T>(p, dtype());
}

template <typename T>
T array::item() const {
  return const_cast<array*>(this)->item<T>();
}

// Converting writes/reads are defined for every scalar type in array.cpp.
#define LMX_DECLARE_SCALAR_IO(T)                            \
  namespace detail {                                        \
  extern template void write_as<T>(void*, Dtype, const T&); \
  extern template T read_as<T>(const void*, Dtype);         \
  }
LMX_DECLARE_SCALAR_IO(bool)
LMX_DECLARE_SCALAR_IO(char)
LMX_DECLARE_SCALAR_IO(signed char)
LMX_DECLARE_SCALAR_IO(unsigned char)
LMX_DECLARE_SCALAR_IO(short)
LMX_DECLARE_SCALAR_IO(unsigned short)
LMX_DECLARE_SCALAR_IO(int)
LMX_DECLARE_SCALAR_IO(unsigned int)
LMX_DECLARE_SCALAR_IO(long)
LMX_DECLARE_SCALAR_IO(unsigned long)
LMX_DECLARE_SCALAR_IO(long long)
LMX_DECLARE_SCALAR_IO(unsigned long long)
LMX_DECLARE_SCALAR_IO(float)
LMX_DECLARE_SCALAR_IO(double)
LMX_DECLARE_SCALAR_IO(long double)
LMX_DECLARE_SCALAR_IO(float16_t)
LMX_DECLARE_SCALAR_IO(bfloat16_t)
LMX_DECLARE_SCALAR_IO(complex64_t)
#undef LMX_DECLARE_SCALAR_IO

}  // namespace lmx
