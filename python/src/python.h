// Shared pieces of the Python bindings: type casters for the argument kinds
// MLX's Python API takes (anything array-like, an axis or axes, a shape, a
// stream or device), the conversions between Python values and arrays, and
// pytrees of Python containers.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <optional>
#include <string>
#include <vector>

#include "lmx/lmx.h"

namespace nb = nanobind;

namespace lmx::python {

// Any Python value an op accepts where MLX takes `array`: arrays, scalars,
// nested lists and tuples, NumPy arrays and other buffers. Converted on use,
// so a weak scalar can take the dtype of the array it meets.
struct ArrayLike {
  nb::object obj;
};

// An axis argument: None, an int or a sequence of ints.
struct Axes {
  std::optional<std::vector<int>> axes;
};

// A shape argument: an int or a sequence of ints.
struct ShapeArg {
  Shape shape;
};

// ---- Python values and arrays ----
// Converts with MLX's inference (bool -> bool, int -> int32 or int64,
// float -> float32, complex -> complex64, NumPy float64 -> float32).
array to_array(nb::handle obj, std::optional<Dtype> dtype = std::nullopt);
inline array to_array(const ArrayLike& a, std::optional<Dtype> dtype = std::nullopt) {
  return to_array(a.obj, dtype);
}
// Converts two operands of a binary op: a Python scalar is weak and takes the
// other operand's dtype when that keeps its kind (x * 2.0 stays float16).
std::pair<array, array> to_arrays(nb::handle a, nb::handle b);
bool is_python_scalar(nb::handle obj);
// Whether an object can become an array (for operators returning NotImplemented).
bool is_array_like(nb::handle obj);
nb::object to_scalar(array a);
nb::object to_list(array a);

// ---- Pytrees of Python lists, tuples and dicts ----
// Appends the array leaves of `tree` in order; other leaves are skipped. A
// module counts as its parameters (MLX's Module is a dict of them) unless
// `modules` is false, when it is a leaf like any non-array.
void tree_leaves(nb::handle tree, std::vector<array>& out, bool modules = true);
std::vector<array> tree_leaves(nb::handle tree, bool modules = true);
// Rebuilds `tree`'s structure with its array leaves replaced, in order, by
// `leaves[pos...]` (a module becomes its parameter dict when `modules`).
nb::object tree_replace(nb::handle tree, const std::vector<array>& leaves, size_t& pos,
                        bool modules = true);
// Python pytree <-> C++ Tree (dicts with string keys, lists and tuples).
Tree to_tree(nb::handle obj, const char* who);
nb::object from_tree(const Tree& tree);
// dict[str, array] <-> the flat maps the file functions take.
std::unordered_map<std::string, array> to_array_map(nb::handle obj, const char* who);

// Raises TypeError with MLX's "[who] message" form.
[[noreturn]] void type_error(const std::string& who, const std::string& what);
std::string python_type_name(nb::handle obj);

// ---- Binding entry points, one per file ----
void init_dtype(nb::module_& m);
void init_device(nb::module_& m);
nb::class_<array> init_array(nb::module_& m);
void init_indexing(nb::class_<array>& cls);
void init_ops(nb::module_& m, nb::class_<array>& cls);
void init_ops_numpy(nb::module_& m);
void init_transforms(nb::module_& m);
void init_random(nb::module_& m);
void init_fast(nb::module_& m);
void init_linalg(nb::module_& m);
void init_fft(nb::module_& m);
void init_io(nb::module_& m);
void init_export(nb::module_& m);
void init_distributed(nb::module_& m);
void init_nn(nb::module_& m);
void init_nn_layers(nb::module_& m);
void init_nn_functions(nb::module_& m);
void init_optim(nb::module_& m);

}  // namespace lmx::python

// ---- Type casters ----
namespace nanobind::detail {

template <>
struct type_caster<lmx::python::ArrayLike> {
  NB_TYPE_CASTER(lmx::python::ArrayLike, const_name("array | scalar | list"))
  bool from_python(handle src, uint8_t, cleanup_list*) noexcept {
    value.obj = borrow(src);
    return true;
  }
};

// An int or a sequence of ints (not a string), as axis and shape arguments take.
template <typename T>
bool read_ints(handle src, std::vector<T>& out) noexcept {
  out.clear();
  if (PyLong_Check(src.ptr()) && !PyBool_Check(src.ptr())) {
    out.push_back(static_cast<T>(PyLong_AsLong(src.ptr())));
    return !PyErr_Occurred();
  }
  if (!PySequence_Check(src.ptr()) || PyUnicode_Check(src.ptr())) return false;
  Py_ssize_t n = PySequence_Size(src.ptr());
  for (Py_ssize_t i = 0; i < n; ++i) {
    object item = steal(PySequence_GetItem(src.ptr(), i));
    if (!item.is_valid() || !PyLong_Check(item.ptr())) {
      PyErr_Clear();
      return false;
    }
    out.push_back(static_cast<T>(PyLong_AsLong(item.ptr())));
  }
  return true;
}

template <>
struct type_caster<lmx::python::Axes> {
  NB_TYPE_CASTER(lmx::python::Axes, const_name("int | Sequence[int] | None"))
  bool from_python(handle src, uint8_t, cleanup_list*) noexcept {
    if (src.is_none()) {
      value.axes.reset();
      return true;
    }
    std::vector<int> axes;
    if (!read_ints(src, axes)) return false;
    value.axes = std::move(axes);
    return true;
  }
};

template <>
struct type_caster<lmx::python::ShapeArg> {
  NB_TYPE_CASTER(lmx::python::ShapeArg, const_name("int | Sequence[int]"))
  bool from_python(handle src, uint8_t, cleanup_list*) noexcept {
    return read_ints(src, value.shape);
  }
  static handle from_cpp(const lmx::python::ShapeArg& v, rv_policy, cleanup_list*) noexcept {
    PyObject* t = PyTuple_New(static_cast<Py_ssize_t>(v.shape.size()));
    for (size_t i = 0; i < v.shape.size(); ++i)
      PyTuple_SET_ITEM(t, static_cast<Py_ssize_t>(i), PyLong_FromLong(v.shape[i]));
    return t;
  }
};

// stream= accepts None, a Stream (a ThreadLocalStream gives the calling
// thread's stream), a Device or a DeviceType (mx.cpu).
template <>
struct type_caster<lmx::StreamOrDevice> {
  NB_TYPE_CASTER(lmx::StreamOrDevice, const_name("Stream | Device | None"))
  bool from_python(handle src, uint8_t flags, cleanup_list* cleanup) noexcept {
    if (src.is_none()) {
      value = std::monostate{};
      return true;
    }
    if (isinstance<lmx::ThreadLocalStream>(src)) {
      // The calling thread's own stream of it.
      value = lmx::stream_from_thread_local_stream(cast<lmx::ThreadLocalStream>(src));
      return true;
    }
    if (isinstance<lmx::Stream>(src)) {
      value = cast<lmx::Stream>(src);
      return true;
    }
    if (isinstance<lmx::Device>(src)) {
      value = cast<lmx::Device>(src);
      return true;
    }
    if (isinstance<lmx::Device::DeviceType>(src)) {
      value = lmx::Device(cast<lmx::Device::DeviceType>(src));
      return true;
    }
    (void)flags;
    (void)cleanup;
    return false;
  }
  static handle from_cpp(const lmx::StreamOrDevice&, rv_policy, cleanup_list*) noexcept {
    return none().release();
  }
};

}  // namespace nanobind::detail
