// Output shapes from input shapes, for the primitives whose shapes follow
// from their inputs' alone. Shapeless compile replays a traced graph on new
// shapes with these; a primitive without a rule keeps the default, which
// throws (its shapes were fixed when it was built), and compile then traces
// again for the new shapes.
#include <algorithm>

#include "lmx/core/ops_common.h"

namespace lmx {

namespace {

Shape broadcast_all(const std::vector<array>& inputs, const char* who) {
  Shape shape;
  for (auto& in : inputs) {
    try {
      shape = broadcast_shapes(shape, in.shape());
    } catch (const std::invalid_argument&) {
      fail(who, "Shapes ", shape, " and ", in.shape(), " cannot be broadcast.");
    }
  }
  return shape;
}

std::vector<Shape> same_as_first(const std::vector<array>& inputs) {
  return {inputs[0].shape()};
}

// The input's shape with `axes` set to 1 (reductions keep reduced axes).
std::vector<Shape> unit_axes(const array& in, const std::vector<int>& axes, const char* who) {
  Shape shape = in.shape();
  for (int ax : axes) {
    if (ax >= static_cast<int>(shape.size())) {
      fail(who, "Axis ", ax, " is out of bounds for an input with shape ", in.shape(), ".");
    }
    shape[ax] = 1;
  }
  return {shape};
}

}  // namespace

std::vector<Shape> Primitive::output_shapes(const std::vector<array>&) {
  fail(name(), "Cannot infer output shapes.");
}

std::vector<Shape> Unary::output_shapes(const std::vector<array>& inputs) {
  return same_as_first(inputs);
}
std::vector<Shape> Binary::output_shapes(const std::vector<array>& inputs) {
  return {broadcast_all(inputs, op_name(op_))};
}
std::vector<Shape> DivMod::output_shapes(const std::vector<array>& inputs) {
  Shape shape = broadcast_all(inputs, "divmod");
  return {shape, shape};
}
std::vector<Shape> Select::output_shapes(const std::vector<array>& inputs) {
  return {broadcast_all(inputs, "where")};
}
std::vector<Shape> Compiled::output_shapes(const std::vector<array>& inputs) {
  return {broadcast_all(inputs, "Compiled")};
}
std::vector<Shape> AsType::output_shapes(const std::vector<array>& inputs) {
  return same_as_first(inputs);
}
std::vector<Shape> Copy::output_shapes(const std::vector<array>& inputs) {
  return same_as_first(inputs);
}
std::vector<Shape> Full::output_shapes(const std::vector<array>& inputs) {
  return same_as_first(inputs);
}
std::vector<Shape> StopGradient::output_shapes(const std::vector<array>& inputs) {
  return same_as_first(inputs);
}
std::vector<Shape> Depends::output_shapes(const std::vector<array>& inputs) {
  std::vector<Shape> shapes;
  for (int i = 0; i < num_inputs_; ++i) shapes.push_back(inputs[i].shape());
  return shapes;
}
std::vector<Shape> NumberOfElements::output_shapes(const std::vector<array>&) {
  return {Shape{}};
}

std::vector<Shape> Reshape::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs[0].shape();
  switch (rule_) {
    case Rule::Squeeze:
      for (auto it = unit_axes_.rbegin(); it != unit_axes_.rend(); ++it) {
        if (*it >= static_cast<int>(shape.size()) || shape[*it] != 1) {
          fail("squeeze", "Cannot squeeze axis ", *it, " of an input with shape ",
               inputs[0].shape(), ".");
        }
        shape.erase(shape.begin() + *it);
      }
      return {shape};
    case Rule::ExpandDims:
      for (int ax : unit_axes_) {
        if (ax > static_cast<int>(shape.size())) {
          fail("expand_dims", "Axis ", ax, " is out of bounds for an input with shape ",
               inputs[0].shape(), ".");
        }
        shape.insert(shape.begin() + ax, 1);
      }
      return {shape};
    case Rule::Fixed:
      break;
  }
  return Primitive::output_shapes(inputs);
}

std::vector<Shape> Transpose::output_shapes(const std::vector<array>& inputs) {
  const array& in = inputs[0];
  if (in.ndim() != static_cast<int>(axes_.size())) {
    fail("transpose", "Received ", axes_.size(), " axes for array with ", in.ndim(),
         " dimensions.");
  }
  Shape shape(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) shape[i] = in.shape(axes_[i]);
  return {shape};
}

std::vector<Shape> Concatenate::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs[0].shape();
  if (axis_ >= static_cast<int>(shape.size())) {
    fail("concatenate", "Axis ", axis_, " is out of bounds for inputs with shape ", shape, ".");
  }
  shape[axis_] = 0;
  for (auto& in : inputs) {
    Shape other = in.shape();
    bool match = other.size() == shape.size();
    for (size_t i = 0; match && i < shape.size(); ++i) {
      match = static_cast<int>(i) == axis_ || other[i] == shape[i];
    }
    if (!match) {
      fail("concatenate",
           "All the input array dimensions must match exactly except for the "
           "concatenation axis. However, the provided shapes are ",
           inputs[0].shape(), " and ", other, ".");
    }
    shape[axis_] = checked_dim(static_cast<int64_t>(shape[axis_]) + other[axis_], "concatenate");
  }
  return {shape};
}

std::vector<Shape> Reduce::output_shapes(const std::vector<array>& inputs) {
  return unit_axes(inputs[0], axes_, name());
}
std::vector<Shape> ArgReduce::output_shapes(const std::vector<array>& inputs) {
  return unit_axes(inputs[0], {axis_}, type_ == ArgReduceType::ArgMin ? "argmin" : "argmax");
}
std::vector<Shape> Scan::output_shapes(const std::vector<array>& inputs) {
  return same_as_first(inputs);
}
std::vector<Shape> Softmax::output_shapes(const std::vector<array>& inputs) {
  return same_as_first(inputs);
}
std::vector<Shape> ArgSort::output_shapes(const std::vector<array>& inputs) {
  return same_as_first(inputs);
}
std::vector<Shape> LogSumExp::output_shapes(const std::vector<array>& inputs) {
  if (inputs[0].ndim() == 0) fail("logsumexp", "Expected an input with at least one dimension.");
  return unit_axes(inputs[0], {inputs[0].ndim() - 1}, "logsumexp");
}

namespace {

// (..., M, K) @ (..., K, N) with equal batch dimensions (the op broadcasts
// them) gives (..., M, N).
Shape product_shape(const array& a, const array& b, const char* who) {
  if (a.ndim() < 2 || a.ndim() != b.ndim() || a.shape(-1) != b.shape(-2)) {
    fail(who, "Last dimension of first input with shape ", a.shape(),
         " must match second to last dimension of second input with shape ", b.shape(), ".");
  }
  for (int i = 0; i < a.ndim() - 2; ++i) {
    if (a.shape(i) != b.shape(i)) {
      fail(who, "Batch dimensions of inputs with shapes ", a.shape(), " and ", b.shape(),
           " differ.");
    }
  }
  Shape shape = a.shape();
  shape.back() = b.shape(-1);
  return shape;
}

}  // namespace

std::vector<Shape> Matmul::output_shapes(const std::vector<array>& inputs) {
  return {product_shape(inputs[0], inputs[1], "matmul")};
}
std::vector<Shape> AddMM::output_shapes(const std::vector<array>& inputs) {
  Shape shape = product_shape(inputs[0], inputs[1], "addmm");
  if (inputs[2].shape() != shape) {
    fail("addmm", "Input c with shape ", inputs[2].shape(), " does not match the output shape ",
         shape, ".");
  }
  return {shape};
}

}  // namespace lmx
