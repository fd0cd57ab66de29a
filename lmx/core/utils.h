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
void set_printoptions(PrintOptions options);

}  // namespace lmx
