// mx.Dtype, the dtype objects (mx.float32, ...), DtypeCategory, issubdtype,
// finfo and iinfo.
#include <limits>

#include "python/src/python.h"

namespace lmx::python {

namespace {
const std::vector<std::pair<const char*, Dtype>>& all_dtypes() {
  static const std::vector<std::pair<const char*, Dtype>> dtypes = {
      {"bool_", bool_},       {"uint8", uint8},        {"uint16", uint16},   {"uint32", uint32},
      {"uint64", uint64},     {"int8", int8},          {"int16", int16},     {"int32", int32},
      {"int64", int64},       {"float16", float16},    {"float32", float32}, {"float64", float64},
      {"bfloat16", bfloat16}, {"complex64", complex64}};
  return dtypes;
}

struct FInfo {
  Dtype dtype;
  double min, max, eps;
};
struct IInfo {
  Dtype dtype;
  nb::object min, max;
};

FInfo finfo(Dtype t) {
  switch (t) {
    case Dtype::Val::float16:
      return {t, -65504.0, 65504.0, 0.0009765625};
    case Dtype::Val::bfloat16:
      return {t, -3.3895313892515355e+38, 3.3895313892515355e+38, 0.0078125};
    case Dtype::Val::float32:
    case Dtype::Val::complex64:
      return {t == complex64 ? float32 : t, std::numeric_limits<float>::lowest(),
              std::numeric_limits<float>::max(), std::numeric_limits<float>::epsilon()};
    case Dtype::Val::float64:
      return {t, std::numeric_limits<double>::lowest(), std::numeric_limits<double>::max(),
              std::numeric_limits<double>::epsilon()};
    default:
      throw std::invalid_argument("[finfo] dtype " + dtype_to_string(t) + " is not inexact.");
  }
}

IInfo iinfo(Dtype t) {
  if (!is_integral(t) && t != bool_)
    throw std::invalid_argument("[iinfo] dtype " + dtype_to_string(t) + " is not integral.");
  IInfo out{t, nb::none(), nb::none()};
  dispatch_all_types(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T>) {
      out.min = nb::int_(static_cast<long long>(std::numeric_limits<T>::min()));
      if constexpr (std::is_same_v<T, uint64_t>) {
        out.max = nb::steal(PyLong_FromUnsignedLongLong(std::numeric_limits<T>::max()));
      } else {
        out.max = nb::int_(static_cast<long long>(std::numeric_limits<T>::max()));
      }
    }
  });
  return out;
}

std::string short_float(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}
}  // namespace

void init_dtype(nb::module_& m) {
  nb::class_<Dtype>(m, "Dtype", "An object that holds the type of the elements of an array.")
      .def_prop_ro(
          "size", [](const Dtype& t) { return static_cast<int>(t.size); },
          "Size of the type in bytes.")
      .def("__repr__", [](const Dtype& t) { return std::string("mlx.core.") + dtype_to_string(t); })
      .def("__eq__",
           [](const Dtype& a, nb::handle b) {
             return nb::isinstance<Dtype>(b) && a == nb::cast<Dtype>(b);
           })
      .def("__hash__", [](const Dtype& t) { return static_cast<int>(t.val); });
  for (auto& [name, t] : all_dtypes()) m.attr(name) = nb::cast(t);
  m.attr("bool") = nb::cast(bool_);  // lmx.core.bool as MLX (not only bool_)

  nb::enum_<Dtype::Category>(m, "DtypeCategory")
      .value("complexfloating", complexfloating)
      .value("floating", floating)
      .value("inexact", inexact)
      .value("signedinteger", signedinteger)
      .value("unsignedinteger", unsignedinteger)
      .value("integer", integer)
      .value("number", number)
      .value("generic", generic);
  for (auto c : {"complexfloating", "floating", "inexact", "signedinteger", "unsignedinteger",
                 "integer", "number", "generic"}) {
    m.attr(c) = m.attr("DtypeCategory").attr(c);
  }

  m.def(
      "issubdtype",
      [](nb::handle a, nb::handle b) {
        auto is_dtype = [](nb::handle h) { return nb::isinstance<Dtype>(h); };
        if (is_dtype(a) && is_dtype(b)) return issubdtype(nb::cast<Dtype>(a), nb::cast<Dtype>(b));
        if (is_dtype(a)) return issubdtype(nb::cast<Dtype>(a), nb::cast<Dtype::Category>(b));
        if (is_dtype(b)) return issubdtype(nb::cast<Dtype::Category>(a), nb::cast<Dtype>(b));
        return issubdtype(nb::cast<Dtype::Category>(a), nb::cast<Dtype::Category>(b));
      },
      nb::arg("arg1"), nb::arg("arg2"), "Whether arg1 (a dtype or category) is a subtype of arg2.");
  m.def("promote_types", &promote_types, nb::arg("t1"), nb::arg("t2"));

  nb::class_<FInfo>(m, "finfo")
      .def("__init__", [](FInfo* self, Dtype t) { new (self) FInfo(finfo(t)); })
      .def_ro("min", &FInfo::min)
      .def_ro("max", &FInfo::max)
      .def_ro("eps", &FInfo::eps)
      .def_ro("dtype", &FInfo::dtype)
      .def("__repr__", [](const FInfo& f) {
        return "finfo(min=" + short_float(f.min) + ", max=" + short_float(f.max) +
               ", dtype=" + dtype_to_string(f.dtype) + ")";
      });
  nb::class_<IInfo>(m, "iinfo")
      .def("__init__", [](IInfo* self, Dtype t) { new (self) IInfo(iinfo(t)); })
      .def_ro("min", &IInfo::min)
      .def_ro("max", &IInfo::max)
      .def_ro("dtype", &IInfo::dtype)
      .def("__repr__", [](const IInfo& f) {
        return "iinfo(min=" + nb::cast<std::string>(nb::str(f.min)) +
               ", max=" + nb::cast<std::string>(nb::str(f.max)) +
               ", dtype=" + dtype_to_string(f.dtype) + ")";
      });
}

}  // namespace lmx::python
