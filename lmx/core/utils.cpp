#include "lmx/core/utils.h"

#include <cmath>
#include <iomanip>
#include <sstream>

#include "lmx/core/ops.h"

namespace lmx {

Shape broadcast_shapes(const Shape& s1, const Shape& s2) {
  size_t n1 = s1.size(), n2 = s2.size();
  size_t n = std::max(n1, n2);
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int a = i < n - n1 ? 1 : s1[i - (n - n1)];
    int b = i < n - n2 ? 1 : s2[i - (n - n2)];
    if (a == b || b == 1) {
      out[i] = a;
    } else if (a == 1) {
      out[i] = b;
    } else {
      std::ostringstream msg;
      msg << "[broadcast_shapes] Shapes " << s1 << " and " << s2 << " cannot be broadcast.";
      throw std::invalid_argument(msg.str());
    }
  }
  return out;
}

Dtype result_type(const std::vector<array>& arrays) {
  Dtype t = bool_;
  for (auto& a : arrays) t = promote_types(t, a.dtype());
  return t;
}

int normalize_axis(int axis, int ndim, const char* who) {
  if (axis < -ndim || axis >= ndim) {
    std::ostringstream msg;
    msg << "[" << who << "] Axis " << axis << " is out of bounds for array with " << ndim
        << " dimensions.";
    throw std::invalid_argument(msg.str());
  }
  return axis < 0 ? axis + ndim : axis;
}

std::vector<int> normalize_axes(const std::vector<int>& axes, int ndim, const char* who) {
  std::vector<int> out;
  out.reserve(axes.size());
  for (int ax : axes) {
    int a = normalize_axis(ax, ndim, who);
    if (std::find(out.begin(), out.end(), a) != out.end()) {
      std::ostringstream msg;
      msg << "[" << who << "] Received duplicate axis " << ax << ".";
      throw std::invalid_argument(msg.str());
    }
    out.push_back(a);
  }
  return out;
}

template <typename V>
static std::ostream& print_tuple(std::ostream& os, const V& v) {
  os << "(";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
  return os << ")";
}

std::ostream& operator<<(std::ostream& os, const Shape& s) {
  return print_tuple(os, s);
}
std::ostream& operator<<(std::ostream& os, const Strides& s) {
  return print_tuple(os, s);
}

std::string to_string(const Shape& s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

namespace {

template <typename T>
void print_real(std::ostream& os, T v, const PrintOptions& options) {
  std::ostringstream tmp;
  if (options.precision >= 0) tmp << std::fixed << std::setprecision(options.precision);
  tmp << v;
  os << tmp.str();
}

template <typename T>
void print_value(std::ostream& os, T v) {
  get_global_formatter().print(os, v);
}

// Prints dimension `dim` starting at element offset `index`; axes longer than
// six show their first and last three entries around "...".
template <typename T>
void print_subarray(std::ostream& os, const T* data, const array& a, int64_t index, int dim) {
  const int num_print = 3;
  int n = a.shape(dim);
  int64_t stride = a.strides()[dim];
  bool is_last = dim == a.ndim() - 1;
  std::string prefix = is_last ? "" : std::string(7 + dim, ' ');
  const char* postfix = is_last ? ", " : ",\n";
  os << "[";
  for (int i = 0; i < n; ++i) {
    os << (i == 0 ? "" : prefix);
    if (i == num_print && n > 2 * num_print) {
      os << "...";
      i = n - num_print - 1;
      index += stride * (n - 2 * num_print - 1);
    } else if (is_last) {
      print_value(os, data[index]);
    } else {
      print_subarray(os, data, a, index, dim + 1);
    }
    os << (i == n - 1 ? "" : postfix);
    index += stride;
  }
  os << "]";
}

}  // namespace

PrintFormatter& get_global_formatter() {
  static PrintFormatter formatter;
  return formatter;
}

void set_printoptions(PrintOptions options) {
  get_global_formatter().format_options = options;
}

void PrintFormatter::print(std::ostream& os, bool val) {
  if (capitalize_bool) {
    os << (val ? "True" : "False");
  } else {
    os << (val ? "true" : "false");
  }
}
void PrintFormatter::print(std::ostream& os, int8_t val) {
  os << static_cast<int>(val);
}
void PrintFormatter::print(std::ostream& os, uint8_t val) {
  os << static_cast<unsigned>(val);
}
void PrintFormatter::print(std::ostream& os, int16_t val) {
  os << val;
}
void PrintFormatter::print(std::ostream& os, uint16_t val) {
  os << val;
}
void PrintFormatter::print(std::ostream& os, int32_t val) {
  os << val;
}
void PrintFormatter::print(std::ostream& os, uint32_t val) {
  os << val;
}
void PrintFormatter::print(std::ostream& os, int64_t val) {
  os << val;
}
void PrintFormatter::print(std::ostream& os, uint64_t val) {
  os << val;
}
void PrintFormatter::print(std::ostream& os, float16_t val) {
  print_real(os, static_cast<float>(val), format_options);
}
void PrintFormatter::print(std::ostream& os, bfloat16_t val) {
  print_real(os, static_cast<float>(val), format_options);
}
void PrintFormatter::print(std::ostream& os, float val) {
  print_real(os, val, format_options);
}
void PrintFormatter::print(std::ostream& os, double val) {
  print_real(os, val, format_options);
}
void PrintFormatter::print(std::ostream& os, complex64_t val) {
  print(os, val.real());
  if (val.imag() >= 0 || std::isnan(val.imag())) {
    os << "+";
    print(os, val.imag());
  } else {
    os << "-";
    print(os, -val.imag());
  }
  os << "j";
}

std::ostream& operator<<(std::ostream& os, array a) {
  a.eval();
  os << "array(";
  dispatch_all_types(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* data = a.data<T>();
    if (a.ndim() == 0) {
      print_value(os, data[0]);
    } else if (a.size() == 0) {
      os << "[]";
    } else {
      print_subarray(os, data, a, 0, 0);
    }
  });
  return os << ", dtype=" << a.dtype() << ")";
}

}  // namespace lmx
