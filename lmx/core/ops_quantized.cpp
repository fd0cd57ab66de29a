// quantize / dequantize / quantized_matmul: argument checks, output shapes,
// and the gradient rules (quantized_matmul is linear in x; dequantize is
// linear in its scales and biases).
#include "lmx/core/ops_common.h"
#include "lmx/core/quantized.h"

namespace lmx {

namespace {

struct QuantParams {
  int group_size, bits;
};

QuantParams check_params(const char* who, const std::string& mode, std::optional<int> group_size,
                         std::optional<int> bits) {
  if (mode != "affine") {
    fail(who, "Only the 'affine' quantization mode is supported but got '", mode, "'.");
  }
  QuantParams p{group_size.value_or(64), bits.value_or(4)};
  if (p.group_size != 32 && p.group_size != 64 && p.group_size != 128) {
    fail(who, "The requested group size ", p.group_size,
         " is not supported. The supported group sizes are 32, 64, and 128.");
  }
  if (p.bits < 2 || p.bits > 8 || p.bits == 7) {
    fail(who, "The requested number of bits ", p.bits,
         " is not supported. The supported bits are 2, 3, 4, 5, 6 and 8.");
  }
  return p;
}

// Checks w_q / scales / biases against each other; returns the unpacked size
// of w's last axis.
int check_packed(const char* who, const array& w, const array& scales, const array& biases,
                 const QuantParams& p) {
  if (w.dtype() != uint32)
    fail(who, "The quantized matrix must be uint32 but got ", w.dtype(), ".");
  if (w.ndim() < 2) {
    fail(who, "The quantized matrix must have at least 2 dimensions but has shape ", w.shape(),
         ".");
  }
  if (!is_floating_point(scales.dtype()) || !is_floating_point(biases.dtype())) {
    fail(who, "scales and biases must be floating point but got ", scales.dtype(), " and ",
         biases.dtype(), ".");
  }
  if (int64_t(w.shape(-1)) * 32 % (int64_t(p.bits) * p.group_size) != 0) {
    fail(who, "The quantized matrix with shape ", w.shape(), " does not hold whole groups of ",
         p.group_size, " ", p.bits, "-bit values in its last axis.");
  }
  int unpacked = static_cast<int>(int64_t(w.shape(-1)) * 32 / p.bits);
  Shape expect = w.shape();
  expect.back() = unpacked / p.group_size;
  if (scales.shape() != expect || biases.shape() != expect) {
    fail(who, "scales with shape ", scales.shape(), " and biases with shape ", biases.shape(),
         " do not match the quantized matrix with shape ", w.shape(),
         " for group_size=", p.group_size, " and bits=", p.bits, " (expected ", expect, ").");
  }
  return unpacked;
}

}  // namespace

std::vector<array> quantize(const array& w, std::optional<int> group_size, std::optional<int> bits,
                            const std::string& mode, StreamOrDevice s) {
  auto p = check_params("quantize", mode, group_size, bits);
  if (!is_floating_point(w.dtype())) {
    fail("quantize", "Only real floating types can be quantized but w has type ", w.dtype(), ".");
  }
  if (w.ndim() < 2) {
    fail("quantize", "The matrix to be quantized must have at least 2 dimensions but has shape ",
         w.shape(), ".");
  }
  if (w.shape(-1) % p.group_size != 0) {
    fail("quantize", "The last dimension of the matrix (shape ", w.shape(),
         ") must be divisible by the group size ", p.group_size, ".");
  }
  Shape wq = w.shape(), sc = w.shape();
  wq.back() = w.shape(-1) / 32 * p.bits;
  sc.back() = w.shape(-1) / p.group_size;
  return array::make_arrays({wq, sc, sc}, {uint32, w.dtype(), w.dtype()},
                            std::make_shared<AffineQuantize>(to_stream(s), p.group_size, p.bits),
                            {w});
}

array dequantize(const array& w, const array& scales, const std::optional<array>& biases,
                 std::optional<int> group_size, std::optional<int> bits, const std::string& mode,
                 std::optional<Dtype> dtype, StreamOrDevice s) {
  auto p = check_params("dequantize", mode, group_size, bits);
  if (!biases) fail("dequantize", "Biases must be provided for affine quantization.");
  int unpacked = check_packed("dequantize", w, scales, *biases, p);
  auto compute = promote_types(scales.dtype(), biases->dtype());
  auto out_dtype = dtype.value_or(compute);
  if (!is_floating_point(out_dtype)) {
    fail("dequantize", "The output dtype must be floating point but got ", out_dtype, ".");
  }
  Shape shape = w.shape();
  shape.back() = unpacked;
  auto out = make_node<AffineDequantize>(
      shape, compute, {w, astype(scales, compute, s), astype(*biases, compute, s)}, to_stream(s),
      p.group_size, p.bits);
  return astype(out, out_dtype, s);
}

array quantized_matmul(array x, array w, array scales, std::optional<array> biases, bool transpose,
                       std::optional<int> group_size, std::optional<int> bits,
                       const std::string& mode, StreamOrDevice s) {
  const char* who = "quantized_matmul";
  auto p = check_params(who, mode, group_size, bits);
  if (!biases) fail(who, "Biases must be provided for affine quantization.");
  if (w.ndim() != 2) {
    fail(who, "The quantized matrix must be 2-dimensional but has shape ", w.shape(), ".");
  }
  int unpacked = check_packed(who, w, scales, *biases, p);
  if (x.ndim() < 1) fail(who, "x must have at least 1 dimension.");
  int inner = transpose ? unpacked : w.shape(0);
  int outer = transpose ? w.shape(0) : unpacked;
  if (x.shape(-1) != inner) {
    fail(who, "The last dimension of x with shape ", x.shape(), " must be ", inner,
         " to match the quantized matrix with shape ", w.shape(), " (", unpacked,
         " unpacked columns, transpose=", transpose ? "true" : "false", ").");
  }
  auto dtype = promote_types(x.dtype(), promote_types(scales.dtype(), biases->dtype()));
  if (!is_floating_point(dtype)) {
    fail(who, "Only real floating types are supported but got ", dtype, ".");
  }
  Shape shape = x.shape();
  shape.back() = outer;
  return make_node<QuantizedMatmul>(
      shape, dtype, {astype(x, dtype, s), w, astype(scales, dtype, s), astype(*biases, dtype, s)},
      to_stream(s), p.group_size, p.bits, transpose);
}

bool AffineQuantize::is_equivalent(const Primitive& o) const {
  auto& q = static_cast<const AffineQuantize&>(o);
  return group_size_ == q.group_size_ && bits_ == q.bits_;
}

std::vector<array> AffineDequantize::vjp(const std::vector<array>& primals,
                                         const std::vector<array>& cotangents,
                                         const std::vector<int>& argnums,
                                         const std::vector<array>&) {
  auto s = stream();
  const array& g = cotangents[0];
  const array& scales = primals[1];
  Shape grouped = g.shape();
  grouped.back() = scales.shape(-1);
  grouped.push_back(group_size_);
  std::vector<array> out;
  for (int arg : argnums) {
    if (arg == 0) {
      out.push_back(zeros_like(primals[0], s));  // integer codes carry no gradient
    } else if (arg == 1) {
      // d/dscale of scale*q + bias is q: dequantize with unit scales, zero biases.
      auto q = dequantize(primals[0], ones_like(scales, s), zeros_like(scales, s), group_size_,
                          bits_, "affine", std::nullopt, s);
      out.push_back(sum(reshape(multiply(g, q, s), grouped, s), -1, false, s));
    } else {
      out.push_back(sum(reshape(g, grouped, s), -1, false, s));
    }
  }
  return out;
}
std::vector<array> AffineDequantize::jvp(const std::vector<array>& primals,
                                         const std::vector<array>& tangents,
                                         const std::vector<int>& argnums) {
  auto s = stream();
  auto zero = zeros_like(primals[1], s);
  array ts = zero, tb = zero;
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 1) ts = tangents[i];
    if (argnums[i] == 2) tb = tangents[i];
  }
  return {dequantize(primals[0], ts, tb, group_size_, bits_, "affine", std::nullopt, s)};
}
bool AffineDequantize::is_equivalent(const Primitive& o) const {
  auto& q = static_cast<const AffineDequantize&>(o);
  return group_size_ == q.group_size_ && bits_ == q.bits_;
}

std::vector<array> QuantizedMatmul::vjp(const std::vector<array>& primals,
                                        const std::vector<array>& cotangents,
                                        const std::vector<int>& argnums,
                                        const std::vector<array>&) {
  std::vector<array> out;
  for (int arg : argnums) {
    if (arg != 0) {
      fail("quantized_matmul", "Gradients are only available with respect to x, not the ",
           "quantized matrix, its scales or biases.");
    }
    out.push_back(quantized_matmul(cotangents[0], primals[1], primals[2], primals[3], !transpose_,
                                   group_size_, bits_, "affine", stream()));
  }
  return out;
}
std::vector<array> QuantizedMatmul::jvp(const std::vector<array>& primals,
                                        const std::vector<array>& tangents,
                                        const std::vector<int>& argnums) {
  if (argnums.size() != 1 || argnums[0] != 0) {
    fail("quantized_matmul", "Tangents are only available with respect to x.");
  }
  return {quantized_matmul(tangents[0], primals[1], primals[2], primals[3], transpose_, group_size_,
                           bits_, "affine", stream())};
}
bool QuantizedMatmul::is_equivalent(const Primitive& o) const {
  auto& q = static_cast<const QuantizedMatmul&>(o);
  return group_size_ == q.group_size_ && bits_ == q.bits_ && transpose_ == q.transpose_;
}

}  // namespace lmx
