// Shared helpers: shape arithmetic, axis normalisation, printing.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "lmx/core/array.h"
#include "lmx/core/dispatch.h"

namespace lmx {

Shape broadcast_shapes(const Shape& s1, const Shape& s2);
Dtype result_type(const std::vector<array>& arrays);

// Maps a possibly negative axis into [0, ndim); throws with `who` otherwise.
int normalize_axis(int axis, int ndim, const char* who);
std::vector<int> normalize_axes(const std::vector<int>& axes, int ndim, const char* who);

std::ostream& operator<<(std::ostream& os, const Shape& s);
std::ostream& operator<<(std::ostream& os, const Strides& s);
std::ostream& operator<<(std::ostream& os, array a);
std::string to_string(const Shape& s);

struct PrintOptions {
  int precision = -1;  // -1: shortest form with 6 significant digits
};

// How array elements print; every printer goes through the global one (the
// Python module sets capitalize_bool, for True/False).
struct PrintFormatter {
  void print(std::ostream& os, bool val);
  void print(std::ostream& os, int8_t val);
  void print(std::ostream& os, uint8_t val);
  void print(std::ostream& os, int16_t val);
  void print(std::ostream& os, uint16_t val);
  void print(std::ostream& os, int32_t val);
  void print(std::ostream& os, uint32_t val);
  void print(std::ostream& os, int64_t val);
  void print(std::ostream& os, uint64_t val);
  void print(std::ostream& os, float16_t val);
  void print(std::ostream& os, bfloat16_t val);
  void print(std::ostream& os, float val);
  void print(std::ostream& os, double val);
  void print(std::ostream& os, complex64_t val);

  bool capitalize_bool{false};
  PrintOptions format_options;
};
PrintFormatter& get_global_formatter();
// Sets the global formatter's options.
void set_printoptions(PrintOptions options);

}  // namespace lmx
