// mx.array: construction from Python values, properties, conversion back to
// Python and NumPy (sharing memory), printing, operators, the buffer protocol
// and pickling. Methods that are also functions (sum, reshape, ...) are
// defined once, in ops.cpp.
#include <nanobind/ndarray.h>
#include <nanobind/stl/tuple.h>

#include <cstring>
#include <sstream>

#include "lmx/io/load_save.h"
#include "python/src/python.h"

namespace lmx::python {

namespace {

std::string repr(array a) {
  {
    nb::gil_scoped_release release;
    a.eval();
  }
  std::ostringstream os;
  os << a;  // bools print as True/False: the module capitalizes them
  return os.str();
}

nb::tuple shape_tuple(const array& a) {
  nb::list out;
  for (auto d : a.shape()) out.append(d);
  return nb::tuple(out);
}

nb::dlpack::dtype dlpack_dtype(Dtype t) {
  using Code = nb::dlpack::dtype_code;
  Code code = Code::Float;
  if (t == bool_)
    code = Code::Bool;
  else if (is_signed_integer(t))
    code = Code::Int;
  else if (is_unsigned(t))
    code = Code::UInt;
  else if (t == bfloat16)
    code = Code::Bfloat;
  else if (t == complex64)
    code = Code::Complex;
  return nb::dlpack::dtype{static_cast<uint8_t>(code), static_cast<uint8_t>(size_of(t) * 8), 1};
}

// A tensor view of the evaluated array that keeps the array alive.
template <typename... Framework>
nb::ndarray<Framework...> tensor_view(array a) {
  {
    nb::gil_scoped_release release;
    a.eval();
  }
  std::vector<size_t> shape(a.shape().begin(), a.shape().end());
  std::vector<int64_t> strides(a.strides().begin(), a.strides().end());
  auto* keep = new array(a);
  nb::capsule owner(keep, [](void* p) noexcept { delete static_cast<array*>(p); });
  void* data = a.size() ? static_cast<void*>(keep->data<char>()) : nullptr;
  return nb::ndarray<Framework...>(data, a.ndim(), shape.data(), owner, strides.data(),
                                   dlpack_dtype(a.dtype()));
}

// ---- Buffer protocol: memoryview(a) shares the array's memory ----
struct BufferInfo {
  std::string format;
  std::vector<Py_ssize_t> shape, strides;
};

const char* buffer_format(Dtype t) {
  switch (t) {
    case Dtype::Val::bool_:
      return "?";
    case Dtype::Val::uint8:
      return "B";
    case Dtype::Val::uint16:
      return "H";
    case Dtype::Val::uint32:
      return "I";
    case Dtype::Val::uint64:
      return "Q";
    case Dtype::Val::int8:
      return "b";
    case Dtype::Val::int16:
      return "h";
    case Dtype::Val::int32:
      return "i";
    case Dtype::Val::int64:
      return "q";
    case Dtype::Val::float16:
      return "e";
    case Dtype::Val::float32:
      return "f";
    case Dtype::Val::float64:
      return "d";
    case Dtype::Val::complex64:
      return "Zf";
    default:
      return nullptr;
  }
}

int array_getbuffer(PyObject* obj, Py_buffer* view, int) {
  try {
    array& a = nb::cast<array&>(nb::handle(obj));
    const char* format = buffer_format(a.dtype());
    if (!format) {
      PyErr_SetString(PyExc_TypeError, "[buffer] bfloat16 has no buffer format.");
      return -1;
    }
    {
      nb::gil_scoped_release release;
      a.eval();
    }
    auto* info = new BufferInfo{format, {}, {}};
    for (int i = 0; i < a.ndim(); ++i) {
      info->shape.push_back(a.shape(i));
      info->strides.push_back(a.strides(i) * static_cast<Py_ssize_t>(a.itemsize()));
    }
    view->buf = a.size() ? a.data<char>() : nullptr;
    view->obj = obj;
    Py_INCREF(obj);
    view->len = static_cast<Py_ssize_t>(a.nbytes());
    view->readonly = 0;
    view->itemsize = static_cast<Py_ssize_t>(a.itemsize());
    view->format = info->format.data();
    view->ndim = a.ndim();
    view->shape = info->shape.data();
    view->strides = info->strides.data();
    view->suboffsets = nullptr;
    view->internal = info;
    return 0;
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    return -1;
  }
}

void array_releasebuffer(PyObject*, Py_buffer* view) {
  delete static_cast<BufferInfo*>(view->internal);
}

PyType_Slot array_slots[] = {{Py_bf_getbuffer, reinterpret_cast<void*>(array_getbuffer)},
                             {Py_bf_releasebuffer, reinterpret_cast<void*>(array_releasebuffer)},
                             {0, nullptr}};

// Binary operators: arrays, scalars, lists and NumPy arrays on either side;
// anything else gives NotImplemented so Python can try the other operand.
template <typename Op>
auto binary_op(Op op, bool reflected = false) {
  return [op, reflected](const array& self, nb::handle other) -> nb::object {
    if (!is_array_like(other)) return nb::borrow(Py_NotImplemented);
    nb::object me = nb::cast(self);
    auto [a, b] = reflected ? to_arrays(other, me) : to_arrays(me, other);
    return nb::cast(op(a, b));
  };
}

// In-place operators rebind the array (a += b), as MLX does.
template <typename Op>
auto inplace_op(Op op) {
  return [op](array& self, nb::handle other) -> array& {
    auto [a, b] = to_arrays(nb::cast(self), other);
    self = op(a, b);
    return self;
  };
}

}  // namespace

nb::class_<array> init_array(nb::module_& m) {
  auto cls = nb::class_<array>(m, "array", nb::type_slots(array_slots),
                               "An N-dimensional array, evaluated lazily.");
  cls.def(
         "__init__",
         [](array* self, nb::handle val, std::optional<Dtype> dtype) {
           new (self) array(to_array(val, dtype));
         },
         nb::arg("val"), nb::arg("dtype") = nb::none())
      .def_prop_ro("shape", &shape_tuple)
      .def_prop_ro("dtype", [](const array& a) { return a.dtype(); })
      .def_prop_ro("ndim", &array::ndim)
      .def_prop_ro("size", &array::size)
      .def_prop_ro("itemsize", &array::itemsize)
      .def_prop_ro("nbytes", &array::nbytes)
      .def_prop_ro("T", [](const array& a) { return transpose(a); })
      .def_prop_ro("mT", [](const array& a) { return swapaxes(a, -1, -2); })
      .def_prop_ro("real", [](const array& a) { return real(a); })
      .def_prop_ro("imag", [](const array& a) { return imag(a); })
      .def("item", &to_scalar)
      .def("tolist", &to_list)
      .def(
          "astype", [](const array& a, Dtype t, StreamOrDevice s) { return astype(a, t, s); },
          nb::arg("dtype"), nb::arg("stream") = nb::none())
      .def("__repr__", &repr)
      .def("__str__", &repr)
      .def("__len__",
           [](const array& a) {
             if (a.ndim() == 0) throw nb::type_error("len() 0-dimensional array.");
             return a.shape(0);
           })
      .def("__iter__",
           [](const array& a) {
             if (a.ndim() == 0) throw nb::type_error("iter() 0-dimensional array.");
             nb::list parts;
             for (int i = 0; i < a.shape(0); ++i) parts.append(take(a, i, 0));
             return nb::iter(parts);
           })
      .def("__bool__", [](const array& a) { return nb::cast<bool>(nb::bool_(to_scalar(a))); })
      .def("__int__", [](const array& a) { return nb::int_(to_scalar(a)); })
      .def("__float__", [](const array& a) { return nb::float_(to_scalar(a)); })
      .def("__index__",
           [](const array& a) {
             if (!is_integral(a.dtype()) && a.dtype() != bool_)
               throw nb::type_error("Only integer arrays can be used as an index.");
             return nb::int_(to_scalar(a));
           })
      .def("__hash__", [](const array& a) { return static_cast<Py_ssize_t>(a.id()); })
      .def("__copy__", [](const array& a) { return copy(a); })
      .def(
          "__deepcopy__", [](const array& a, nb::handle) { return copy(a); }, nb::arg("memo"))
      .def(
          "__array__",
          [](const array& a, nb::handle dtype, nb::handle copy) -> nb::object {
            array src = a.dtype() == bfloat16 ? astype(a, float32) : a;
            nb::object out = nb::cast(tensor_view<nb::numpy>(src));
            if (!dtype.is_none()) out = out.attr("astype")(dtype);
            if (!copy.is_none() && nb::cast<bool>(copy)) out = out.attr("copy")();
            return out;
          },
          nb::arg("dtype") = nb::none(), nb::arg("copy") = nb::none())
      .def("__dlpack__",
           [](const array& a, nb::kwargs) {
             // Without a framework nanobind hands out a DLPack capsule.
             return nb::cast(tensor_view<>(a));
           })
      .def("__dlpack_device__", [](const array&) { return nb::make_tuple(1, 0); })
      .def("__getstate__",
           [](const array& a) {
             std::string bytes = io::npy_bytes(a, "[pickle]");
             return nb::bytes(bytes.data(), bytes.size());
           })
      .def("__setstate__",
           [](array* self, nb::bytes state) {
             new (self) array(
                 io::npy_from_bytes(std::string(state.c_str(), state.size()), "pickled array"));
           })
      // MLX: operators with NumPy arrays on either side come here first.
      .def_prop_ro_static("__array_priority__", [](nb::handle) { return 1000; });

#define LMX_BINARY(NAME, FN)                                                                  \
  cls.def("__" NAME "__", binary_op([](const array& a, const array& b) { return FN(a, b); })) \
      .def("__r" NAME "__",                                                                   \
           binary_op([](const array& a, const array& b) { return FN(a, b); }, true))          \
      .def("__i" NAME "__", inplace_op([](const array& a, const array& b) { return FN(a, b); }));
  LMX_BINARY("add", add)
  LMX_BINARY("sub", subtract)
  LMX_BINARY("mul", multiply)
  LMX_BINARY("truediv", divide)
  LMX_BINARY("floordiv", floor_divide)
  LMX_BINARY("mod", remainder)
  LMX_BINARY("pow", power)
  LMX_BINARY("matmul", matmul)
  LMX_BINARY("and", bitwise_and)
  LMX_BINARY("or", bitwise_or)
  LMX_BINARY("xor", bitwise_xor)
  LMX_BINARY("lshift", left_shift)
  LMX_BINARY("rshift", right_shift)
#undef LMX_BINARY
  cls.def("__divmod__", binary_op([](const array& a, const array& b) {
            auto r = divmod(a, b);
            return nb::make_tuple(r[0], r[1]);
          }));
#define LMX_COMPARE(NAME, FN) \
  cls.def("__" NAME "__", binary_op([](const array& a, const array& b) { return FN(a, b); }));
  LMX_COMPARE("eq", equal)
  LMX_COMPARE("ne", not_equal)
  LMX_COMPARE("lt", less)
  LMX_COMPARE("le", less_equal)
  LMX_COMPARE("gt", greater)
  LMX_COMPARE("ge", greater_equal)
#undef LMX_COMPARE
  cls.def("__neg__", [](const array& a) { return negative(a); })
      .def("__pos__", [](const array& a) { return a; })
      .def("__abs__", [](const array& a) { return abs(a); })
      .def("__invert__",
           [](const array& a) { return a.dtype() == bool_ ? logical_not(a) : bitwise_invert(a); });
  return cls;
}

}  // namespace lmx::python
