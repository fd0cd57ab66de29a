#include "lmx/core/array.h"

#include <cstring>

#include "lmx/core/error.h"
#include "lmx/core/graph.h"
#include "lmx/core/ops.h"
#include "lmx/core/primitives.h"
#include "lmx/core/sizes.h"
#include "lmx/core/transforms.h"
#include "lmx/core/utils.h"

namespace lmx {

namespace {

// Callers have checked the shape's size, so no stride can overflow.
Strides row_major_strides(const Shape& shape) {
  Strides s(shape.size());
  int64_t acc = 1;
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

}  // namespace

array::ArrayDesc::ArrayDesc(Shape shape_, Dtype dtype_)
    : shape(std::move(shape_)), size(checked_size(shape, "array")), dtype(dtype_) {}

array::ArrayDesc::ArrayDesc(Shape shape_, Dtype dtype_, std::shared_ptr<Primitive> prim,
                            std::vector<array> ins)
    : shape(std::move(shape_)),
      size(checked_size(shape, "array")),
      dtype(dtype_),
      primitive(std::move(prim)),
      inputs(std::move(ins)) {
  for (auto& in : inputs) {
    if (in.desc_->is_tracer) {
      is_tracer = true;
      break;
    }
  }
}

// Frees the chain of inputs iteratively: a graph a million nodes deep must not
// overflow the stack when its last handle goes away.
array::ArrayDesc::~ArrayDesc() {
  if (inputs.empty()) return;
  std::vector<std::shared_ptr<ArrayDesc>> pending;
  auto take_inputs = [&pending](std::vector<array>& ins) {
    for (auto& in : ins) {
      if (in.desc_.use_count() == 1) pending.push_back(std::move(in.desc_));
    }
    ins.clear();
  };
  take_inputs(inputs);
  while (!pending.empty()) {
    auto d = std::move(pending.back());
    pending.pop_back();
    take_inputs(d->inputs);
  }
}

array::array(allocator::Buffer data, Shape shape, Dtype dtype, Deleter deleter)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  set_data(data, std::move(deleter));
}

array::array(void* data, Shape shape, Dtype dtype, const std::function<void(void*)>& deleter)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  auto wrapped = [deleter](allocator::Buffer b) { deleter(b.raw_ptr()); };
  set_data(allocator::Buffer(data, nbytes()), wrapped);
}

array::array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive,
             std::vector<array> inputs)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype, std::move(primitive),
                                        std::move(inputs))) {}

std::vector<array> array::make_arrays(std::vector<Shape> shapes, const std::vector<Dtype>& dtypes,
                                      const std::shared_ptr<Primitive>& primitive,
                                      const std::vector<array>& inputs) {
  std::vector<array> outputs;
  outputs.reserve(shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i) {
    outputs.emplace_back(std::move(shapes[i]), dtypes[i], primitive, inputs);
  }
  if (outputs.size() > 1) {
    auto specs = std::make_shared<std::vector<std::pair<Shape, Dtype>>>();
    for (auto& o : outputs) specs->emplace_back(o.shape(), o.dtype());
    for (size_t i = 0; i < outputs.size(); ++i) {
      auto& d = *outputs[i].desc_;
      d.position = static_cast<int>(i);
      d.sibling_specs = specs;
      for (auto& o : outputs) d.siblings.push_back(o.desc_);
    }
  }
  return outputs;
}

int array::shape(int dim) const {
  int n = ndim();
  if (dim < -n || dim >= n) {
    std::ostringstream msg;
    msg << "[array::shape] Dimension " << dim << " is out of bounds for an array with " << n
        << " dimensions.";
    throw std::out_of_range(msg.str());
  }
  return desc_->shape[dim < 0 ? dim + n : dim];
}

std::vector<array> array::siblings() const {
  std::vector<array> out;
  for (size_t i = 0; i < desc_->siblings.size(); ++i) {
    if (static_cast<int>(i) == desc_->position) continue;
    if (auto s = desc_->siblings[i].lock()) out.push_back(array(std::move(s)));
  }
  return out;
}

std::vector<array> array::outputs() const {
  if (desc_->siblings.empty()) return {*this};
  std::vector<array> out;
  for (size_t i = 0; i < desc_->siblings.size(); ++i) {
    if (auto s = desc_->siblings[i].lock()) {
      out.push_back(array(std::move(s)));
    } else {
      // A freed sibling still needs somewhere for the kernel to write.
      auto& [shape, dtype] = (*desc_->sibling_specs)[i];
      out.push_back(array(std::make_shared<ArrayDesc>(shape, dtype)));
    }
  }
  return out;
}

std::vector<array> array::live_outputs() const {
  auto out = outputs();
  if (status() != Status::unscheduled) return out;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].has_primitive()) continue;
    auto& d = *out[i].desc_;
    d.primitive = desc_->primitive;
    d.inputs = desc_->inputs;
    d.position = static_cast<int>(i);
    d.sibling_specs = desc_->sibling_specs;
    d.is_tracer = desc_->is_tracer;
    for (auto& o : out) {
      if (o.desc_ != out[i].desc_ && o.desc_->siblings.size() == out.size()) {
        o.desc_->siblings[i] = out[i].desc_;
      }
    }
    d.siblings = desc_->siblings;
  }
  return out;
}

bool array::is_tracer() const {
  return desc_->is_tracer && tracing_depth() > 0;
}

void array::detach() {
  desc_->primitive.reset();
  desc_->inputs.clear();
  desc_->siblings.clear();
}

void array::eval() {
  if (!is_available()) lmx::eval({*this});
}

// Storage makes an array available, except for a node of an async_eval job:
// it stays `scheduled` until its kernel has finished (run_node marks it), so
// that another thread never reads a buffer that is still being written.
void array::mark_filled() {
  if (status() != Status::scheduled) set_status(Status::available);
}

void array::set_data(allocator::Buffer buffer, Deleter d) {
  desc_->data = std::make_shared<Data>(buffer, std::move(d));
  desc_->strides = row_major_strides(desc_->shape);
  desc_->data_size = desc_->size;
  desc_->offset = 0;
  desc_->flags = Flags{true, true, desc_->shape.size() <= 1 || desc_->size <= 1};
  mark_filled();
}

void array::set_data(allocator::Buffer buffer, size_t data_size, Strides strides, Flags flags,
                     Deleter d) {
  desc_->data = std::make_shared<Data>(buffer, std::move(d));
  desc_->strides = std::move(strides);
  desc_->data_size = data_size;
  desc_->offset = 0;
  desc_->flags = flags;
  mark_filled();
}

void array::copy_shared_buffer(const array& other, const Strides& strides, Flags flags,
                               size_t data_size, size_t offset_elems) {
  desc_->data = other.desc_->data;
  desc_->strides = strides;
  desc_->flags = flags;
  desc_->data_size = data_size;
  desc_->offset = other.desc_->offset + offset_elems;
  mark_filled();
}

void array::copy_shared_buffer(const array& other) {
  copy_shared_buffer(other, other.strides(), other.flags(), other.data_size());
}

void array::move_shared_buffer(array other) {
  desc_->data = std::move(other.desc_->data);
  desc_->strides = other.desc_->strides;
  desc_->flags = other.desc_->flags;
  desc_->data_size = other.desc_->data_size;
  desc_->offset = other.desc_->offset;
  mark_filled();
}

array::ArrayIterator::ArrayIterator(const array& arr, int idx) : arr(arr), idx(idx) {
  if (arr.ndim() == 0) fail("ArrayIterator", "Cannot iterate over 0-d array.");
}

array::ArrayIterator::reference array::ArrayIterator::operator*() const {
  auto start = Shape(arr.ndim(), 0);
  auto end = arr.shape();
  start[0] = idx;
  end[0] = idx + 1;
  return reshape(slice(arr, start, end), Shape(arr.shape().begin() + 1, arr.shape().end()));
}

namespace detail {

void check_host_size(size_t n, const Shape& shape) {
  size_t want = 1;
  for (auto d : shape) want *= static_cast<size_t>(d < 0 ? 0 : d);
  if (n != want) {
    std::ostringstream msg;
    msg << "[array] Data size " << n << " does not match the size " << want << " of shape " << shape
        << ".";
    throw std::invalid_argument(msg.str());
  }
}

void throw_item_size(size_t size) {
  std::ostringstream msg;
  msg << "[item] item can only be called on arrays of size 1, got an array of size " << size << ".";
  throw std::invalid_argument(msg.str());
}

template <typename T>
void write_as(void* dst, Dtype dtype, const T& v) {
  dispatch_all_types(dtype, [&](auto tag) {
    using D = typename decltype(tag)::type;
    *static_cast<D*>(dst) = scalar_cast<D>(v);
  });
}

template <typename T>
T read_as(const void* src, Dtype dtype) {
  T out{};
  dispatch_all_types(dtype, [&](auto tag) {
    using D = typename decltype(tag)::type;
    out = scalar_cast<T>(*static_cast<const D*>(src));
  });
  return out;
}

#define LMX_INSTANTIATE_SCALAR_IO(T)                 \
  template void write_as<T>(void*, Dtype, const T&); \
  template T read_as<T>(const void*, Dtype);
LMX_INSTANTIATE_SCALAR_IO(bool)
LMX_INSTANTIATE_SCALAR_IO(char)
LMX_INSTANTIATE_SCALAR_IO(signed char)
LMX_INSTANTIATE_SCALAR_IO(unsigned char)
LMX_INSTANTIATE_SCALAR_IO(short)
LMX_INSTANTIATE_SCALAR_IO(unsigned short)
LMX_INSTANTIATE_SCALAR_IO(int)
LMX_INSTANTIATE_SCALAR_IO(unsigned int)
LMX_INSTANTIATE_SCALAR_IO(long)
LMX_INSTANTIATE_SCALAR_IO(unsigned long)
LMX_INSTANTIATE_SCALAR_IO(long long)
LMX_INSTANTIATE_SCALAR_IO(unsigned long long)
LMX_INSTANTIATE_SCALAR_IO(float)
LMX_INSTANTIATE_SCALAR_IO(double)
LMX_INSTANTIATE_SCALAR_IO(long double)
LMX_INSTANTIATE_SCALAR_IO(float16_t)
LMX_INSTANTIATE_SCALAR_IO(bfloat16_t)
LMX_INSTANTIATE_SCALAR_IO(complex64_t)
#undef LMX_INSTANTIATE_SCALAR_IO

}  // namespace detail

}  // namespace lmx
