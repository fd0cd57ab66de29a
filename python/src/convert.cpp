// Conversions between Python values and arrays, and pytree walks.
#include <nanobind/ndarray.h>

#include <complex>
#include <cstring>

#include "python/src/python.h"

namespace lmx::python {

void type_error(const std::string& who, const std::string& what) {
  throw nb::type_error(("[" + who + "] " + what).c_str());
}

std::string python_type_name(nb::handle obj) {
  return nb::cast<std::string>(
      nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(obj.ptr()))).attr("__name__"));
}

bool is_python_scalar(nb::handle obj) {
  return PyBool_Check(obj.ptr()) || PyLong_Check(obj.ptr()) || PyFloat_Check(obj.ptr()) ||
         PyComplex_Check(obj.ptr());
}

namespace {

// Python ints become int32 when they fit (as MLX), int64 otherwise.
Dtype int_dtype(int64_t v) {
  return v >= INT32_MIN && v <= INT32_MAX ? int32 : int64;
}

int64_t to_int64(nb::handle obj) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
  if (overflow) {
    // Values past int64 but within uint64 are kept as uint64 bits.
    unsigned long long u = PyLong_AsUnsignedLongLong(obj.ptr());
    if (PyErr_Occurred()) {
      PyErr_Clear();
      throw std::overflow_error("[array] Python integer " + nb::cast<std::string>(nb::str(obj)) +
                                " is out of range for int64.");
    }
    return static_cast<int64_t>(u);
  }
  return v;
}

array scalar_to_array(nb::handle obj, std::optional<Dtype> dtype) {
  if (PyBool_Check(obj.ptr())) return array(obj.ptr() == Py_True, dtype.value_or(bool_));
  if (PyLong_Check(obj.ptr())) {
    int64_t v = to_int64(obj);
    Dtype t = dtype.value_or(int_dtype(v));
    if (is_integral(t) && dtype) {
      // MLX refuses a Python int that does not fit the requested integer type.
      bool fits = true;
      switch (t) {
        case Dtype::Val::uint8:
          fits = v >= 0 && v <= UINT8_MAX;
          break;
        case Dtype::Val::uint16:
          fits = v >= 0 && v <= UINT16_MAX;
          break;
        case Dtype::Val::uint32:
          fits = v >= 0 && v <= UINT32_MAX;
          break;
        case Dtype::Val::int8:
          fits = v >= INT8_MIN && v <= INT8_MAX;
          break;
        case Dtype::Val::int16:
          fits = v >= INT16_MIN && v <= INT16_MAX;
          break;
        case Dtype::Val::int32:
          fits = v >= INT32_MIN && v <= INT32_MAX;
          break;
        default:
          break;
      }
      if (!fits) {
        throw std::invalid_argument("Converting " + std::to_string(v) + " to " +
                                    dtype_to_string(t) + " would result in overflow.");
      }
    }
    return array(v, t);
  }
  if (PyFloat_Check(obj.ptr())) return array(PyFloat_AsDouble(obj.ptr()), dtype.value_or(float32));
  Py_complex c = PyComplex_AsCComplex(obj.ptr());
  return array(complex64_t(static_cast<float>(c.real), static_cast<float>(c.imag)),
               dtype.value_or(complex64));
}

// What a nested list of scalars holds: its shape and the widest kind seen.
struct ListScan {
  Shape shape;
  int kind = 0;  // 0 bool, 1 int, 2 float, 3 complex
  bool wide_int = false;
  bool has_arrays = false;
};

void scan_list(nb::handle obj, size_t depth, ListScan& scan) {
  bool sequence = PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr());
  if (depth == scan.shape.size() && sequence && !scan.has_arrays) {
    // The first element at each depth fixes that depth's length.
    scan.shape.push_back(static_cast<ShapeElem>(nb::len(obj)));
  }
  if (sequence) {
    if (depth >= scan.shape.size() || static_cast<size_t>(scan.shape[depth]) != nb::len(obj)) {
      throw std::invalid_argument("Initialization encountered non-uniform length.");
    }
    for (nb::handle item : obj) scan_list(item, depth + 1, scan);
    return;
  }
  if (depth != scan.shape.size()) {
    throw std::invalid_argument("Initialization encountered non-uniform length.");
  }
  if (PyBool_Check(obj.ptr())) return;
  if (PyLong_Check(obj.ptr())) {
    scan.kind = std::max(scan.kind, 1);
    if (int_dtype(to_int64(obj)) == int64) scan.wide_int = true;
  } else if (PyFloat_Check(obj.ptr())) {
    scan.kind = std::max(scan.kind, 2);
  } else if (PyComplex_Check(obj.ptr())) {
    scan.kind = 3;
  } else {
    scan.has_arrays = true;
  }
}

template <typename T, typename Read>
void fill_list(nb::handle obj, std::vector<T>& out, Read read) {
  if (PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr())) {
    for (nb::handle item : obj) fill_list(item, out, read);
  } else {
    out.push_back(read(obj));
  }
}

array list_to_array(nb::handle obj, std::optional<Dtype> dtype) {
  ListScan scan;
  scan_list(obj, 0, scan);
  if (scan.has_arrays) {
    // Lists holding arrays stack them, as MLX does.
    std::vector<array> parts;
    for (nb::handle item : obj) parts.push_back(to_array(item));
    if (parts.empty()) return array(allocator::malloc(0), {0}, dtype.value_or(float32));
    Dtype t = result_type(parts);
    for (auto& p : parts) p = astype(p, t);
    array out = stack(parts);
    return dtype ? astype(out, *dtype) : out;
  }
  // An empty list holds no element to infer from: float32, as MLX.
  size_t count = 1;
  for (auto d : scan.shape) count *= static_cast<size_t>(d);
  if (count == 0 && scan.kind == 0) scan.kind = 2;
  switch (scan.kind) {
    case 0: {
      std::vector<uint8_t> v;
      fill_list(obj, v, [](nb::handle h) { return static_cast<uint8_t>(h.ptr() == Py_True); });
      return array(v.begin(), scan.shape, dtype.value_or(bool_));
    }
    case 1: {
      std::vector<int64_t> v;
      fill_list(obj, v, [](nb::handle h) { return to_int64(h); });
      return array(v.begin(), scan.shape, dtype.value_or(scan.wide_int ? int64 : int32));
    }
    case 2: {
      std::vector<double> v;
      fill_list(obj, v, [](nb::handle h) { return PyFloat_AsDouble(h.ptr()); });
      return array(v.begin(), scan.shape, dtype.value_or(float32));
    }
    default: {
      std::vector<complex64_t> v;
      fill_list(obj, v, [](nb::handle h) {
        Py_complex c = PyComplex_AsCComplex(h.ptr());
        return complex64_t(static_cast<float>(c.real), static_cast<float>(c.imag));
      });
      return array(v.begin(), scan.shape, dtype.value_or(complex64));
    }
  }
}

std::optional<Dtype> dlpack_to_dtype(nb::dlpack::dtype t) {
  using Code = nb::dlpack::dtype_code;
  auto code = static_cast<Code>(t.code);
  if (t.lanes != 1) return std::nullopt;
  switch (code) {
    case Code::Bool:
      return bool_;
    case Code::Int:
      switch (t.bits) {
        case 8:
          return int8;
        case 16:
          return int16;
        case 32:
          return int32;
        case 64:
          return int64;
      }
      break;
    case Code::UInt:
      switch (t.bits) {
        case 8:
          return uint8;
        case 16:
          return uint16;
        case 32:
          return uint32;
        case 64:
          return uint64;
      }
      break;
    case Code::Float:
      switch (t.bits) {
        case 16:
          return float16;
        case 32:
          return float32;
        case 64:
          return float64;
      }
      break;
    case Code::Bfloat:
      if (t.bits == 16) return bfloat16;
      break;
    case Code::Complex:
      if (t.bits == 64) return complex64;
      break;
    default:
      break;
  }
  return std::nullopt;
}

// Copies a CPU tensor (NumPy array, buffer or DLPack) into a new array.
std::optional<array> ndarray_to_array(nb::handle obj, std::optional<Dtype> dtype) {
  nb::object src = nb::borrow(obj);
  nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu> nd;
  if (!nb::try_cast(src, nd, false)) {
    // Not contiguous, or only convertible through NumPy: ask NumPy for a
    // contiguous copy of whatever it is.
    nb::object np = nb::module_::import_("numpy");
    nb::object contiguous = np.attr("ascontiguousarray")(src);
    if (!nb::try_cast(contiguous, nd, false)) return std::nullopt;
    src = contiguous;
  }
  auto t = dlpack_to_dtype(nd.dtype());
  if (!t) type_error("array", "Unsupported element type of " + python_type_name(obj) + ".");
  Shape shape;
  for (size_t i = 0; i < nd.ndim(); ++i) shape.push_back(static_cast<ShapeElem>(nd.shape(i)));
  size_t nbytes = nd.size() * size_of(*t);
  array out(allocator::malloc(std::max<size_t>(nbytes, 1)), shape, *t);
  if (nbytes) std::memcpy(out.buffer().raw_ptr(), nd.data(), nbytes);
  // NumPy's default float64 arrives as float32, as in MLX.
  Dtype target = dtype.value_or(*t == float64 ? float32 : *t);
  return target == *t ? out : astype(out, target);
}

}  // namespace

array to_array(nb::handle obj, std::optional<Dtype> dtype) {
  if (nb::isinstance<array>(obj)) {
    auto& a = nb::cast<array&>(obj);
    return dtype && *dtype != a.dtype() ? astype(a, *dtype) : a;
  }
  if (is_python_scalar(obj)) return scalar_to_array(obj, dtype);
  if (PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr())) return list_to_array(obj, dtype);
  if (nb::hasattr(obj, "__array__") || nb::hasattr(obj, "__dlpack__") ||
      PyObject_CheckBuffer(obj.ptr())) {
    if (auto a = ndarray_to_array(obj, dtype)) return *a;
  }
  // NumPy scalars (np.float32(1)) have __array__ and land above; anything
  // else is not an array.
  type_error("array", "Cannot convert " + python_type_name(obj) + " to an array.");
}

bool is_array_like(nb::handle obj) {
  return nb::isinstance<array>(obj) || is_python_scalar(obj) || PyList_Check(obj.ptr()) ||
         PyTuple_Check(obj.ptr()) || nb::hasattr(obj, "__array__");
}

std::pair<array, array> to_arrays(nb::handle a, nb::handle b) {
  // A Python scalar meeting an array keeps the array's dtype when the kinds
  // agree: int with any integer or float type, float with any float type.
  auto weak = [](nb::handle scalar, const array& other) -> array {
    Dtype t = other.dtype();
    if (PyBool_Check(scalar.ptr())) return array(scalar.ptr() == Py_True, t == bool_ ? bool_ : t);
    if (PyLong_Check(scalar.ptr())) {
      if (is_integral(t) || is_inexact(t)) return scalar_to_array(scalar, t);
      return scalar_to_array(scalar, std::nullopt);
    }
    if (PyFloat_Check(scalar.ptr())) {
      if (is_inexact(t)) return scalar_to_array(scalar, t);
      return scalar_to_array(scalar, float32);
    }
    return scalar_to_array(scalar, std::nullopt);
  };
  bool sa = is_python_scalar(a), sb = is_python_scalar(b);
  if (sa && !sb) {
    array bb = to_array(b);
    return {weak(a, bb), bb};
  }
  if (sb && !sa) {
    array aa = to_array(a);
    return {aa, weak(b, aa)};
  }
  return {to_array(a), to_array(b)};
}

namespace {
template <typename T>
nb::object scalar_object(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return nb::bool_(v);
  } else if constexpr (std::is_integral_v<T>) {
    return nb::int_(v);
  } else if constexpr (std::is_same_v<T, complex64_t>) {
    return nb::steal(PyComplex_FromDoubles(v.real(), v.imag()));
  } else {
    if constexpr (std::is_same_v<T, double>) {
      return nb::float_(v);
    } else {
      return nb::float_(static_cast<double>(static_cast<float>(v)));
    }
  }
}
}  // namespace

nb::object to_scalar(array a) {
  if (a.size() != 1)
    throw std::invalid_argument(
        "[convert] Only length-1 arrays can be converted to Python scalars.");
  {
    nb::gil_scoped_release release;
    a.eval();
  }
  nb::object out;
  dispatch_all_types(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    out = scalar_object(a.item<T>());
  });
  return out;
}

nb::object to_list(array a) {
  if (a.ndim() == 0) return to_scalar(a);
  array flat = reshape(a, {-1});
  {
    nb::gil_scoped_release release;
    flat.eval();
  }
  // Contiguous elements of `flat`, as Python objects, then nested by shape.
  std::vector<nb::object> items;
  items.reserve(flat.size());
  dispatch_all_types(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    array c = flat.flags().row_contiguous ? flat : copy(flat);
    const T* p = c.data<T>();
    for (size_t i = 0; i < c.size(); ++i) items.push_back(scalar_object(p[i]));
  });
  auto& shape = a.shape();
  std::function<nb::object(int, size_t&)> build = [&](int dim, size_t& pos) -> nb::object {
    nb::list out;
    for (int i = 0; i < shape[dim]; ++i) {
      if (dim + 1 == a.ndim()) {
        out.append(items[pos++]);
      } else {
        out.append(build(dim + 1, pos));
      }
    }
    return out;
  };
  size_t pos = 0;
  return build(0, pos);
}

void tree_leaves(nb::handle tree, std::vector<array>& out, bool modules) {
  if (nb::isinstance<array>(tree)) {
    out.push_back(nb::cast<array>(tree));
  } else if (PyList_Check(tree.ptr()) || PyTuple_Check(tree.ptr())) {
    for (nb::handle item : tree) tree_leaves(item, out, modules);
  } else if (PyDict_Check(tree.ptr())) {
    for (auto [k, v] : nb::borrow<nb::dict>(tree)) tree_leaves(v, out, modules);
  } else if (modules && nb::isinstance<nn::Module>(tree)) {
    // A module stands for its parameters, as MLX's Module (a dict) does.
    for (auto& a : lmx::tree_leaves(nb::cast<nn::Module&>(tree).parameters())) out.push_back(a);
  }
}

std::vector<array> tree_leaves(nb::handle tree, bool modules) {
  std::vector<array> out;
  tree_leaves(tree, out, modules);
  return out;
}

nb::object tree_replace(nb::handle tree, const std::vector<array>& leaves, size_t& pos,
                        bool modules) {
  if (nb::isinstance<array>(tree)) {
    if (pos >= leaves.size())
      throw std::invalid_argument("[tree_replace] The tree holds more arrays than were given.");
    return nb::cast(leaves[pos++]);
  }
  if (PyList_Check(tree.ptr())) {
    nb::list out;
    for (nb::handle item : tree) out.append(tree_replace(item, leaves, pos, modules));
    return out;
  }
  if (PyTuple_Check(tree.ptr())) {
    nb::list out;
    for (nb::handle item : tree) out.append(tree_replace(item, leaves, pos, modules));
    return nb::tuple(out);
  }
  if (PyDict_Check(tree.ptr())) {
    nb::dict out;
    for (auto [k, v] : nb::borrow<nb::dict>(tree)) out[k] = tree_replace(v, leaves, pos, modules);
    return out;
  }
  if (modules && nb::isinstance<nn::Module>(tree)) {
    // A module's leaves are its parameters; they come back as its parameter dict.
    return tree_replace(from_tree(nb::cast<nn::Module&>(tree).parameters()), leaves, pos, true);
  }
  return nb::borrow(tree);
}

Tree to_tree(nb::handle obj, const char* who) {
  if (obj.is_none()) return Tree();
  if (nb::isinstance<array>(obj)) return Tree(nb::cast<array>(obj));
  if (PyDict_Check(obj.ptr())) {
    Tree out = Tree::dict();
    for (auto [k, v] : nb::borrow<nb::dict>(obj)) {
      if (!PyUnicode_Check(k.ptr())) type_error(who, "Dictionary keys must be strings.");
      out.insert(nb::cast<std::string>(k), to_tree(v, who));
    }
    return out;
  }
  if (PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr())) {
    Tree out = Tree::list();
    for (nb::handle item : obj) out.push_back(to_tree(item, who));
    return out;
  }
  if (is_python_scalar(obj)) return Tree(to_array(obj));
  type_error(who, "Expected a tree of arrays (dicts, lists and tuples) but found " +
                      python_type_name(obj) + ".");
}

nb::object from_tree(const Tree& tree) {
  if (tree.is_none()) return nb::none();
  if (tree.is_array()) return nb::cast(tree.as_array());
  if (tree.is_dict()) {
    nb::dict out;
    for (auto& [k, v] : tree.as_dict()) out[nb::str(k.c_str())] = from_tree(v);
    return out;
  }
  nb::list out;
  for (auto& v : tree.as_list()) out.append(from_tree(v));
  return out;
}

std::unordered_map<std::string, array> to_array_map(nb::handle obj, const char* who) {
  if (!PyDict_Check(obj.ptr())) type_error(who, "Expected a dict of arrays.");
  std::unordered_map<std::string, array> out;
  for (auto [k, v] : nb::borrow<nb::dict>(obj)) {
    if (!PyUnicode_Check(k.ptr())) type_error(who, "Dictionary keys must be strings.");
    out.emplace(nb::cast<std::string>(k), to_array(v));
  }
  return out;
}

}  // namespace lmx::python
