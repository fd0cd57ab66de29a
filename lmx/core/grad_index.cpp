// vjp and jvp rules of gathers, scatters, matrix products and random bits.
#include "lmx/core/ops_common.h"

namespace lmx {

namespace {
std::vector<array> index_inputs(const std::vector<array>& primals, size_t first, size_t last) {
  return std::vector<array>(primals.begin() + first, primals.begin() + last);
}

// Indices have no tangent: a jvp that asks for one is an error (as MLX).
void check_no_index_tangent(const std::vector<int>& argnums, const char* who) {
  for (int arg : argnums) {
    if (arg != 0) {
      fail(who,
           "Cannot calculate JVP with respect to indices. Use stop_gradient on indices to stop "
           "gradients from being computed.");
    }
  }
}
}  // namespace

std::vector<array> Gather::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  std::vector<array> out;
  auto indices = index_inputs(primals, 1, primals.size());
  for (int arg : argnums) {
    if (arg == 0) {
      out.push_back(scatter_add(zeros_like(primals[0], s), indices, cotangents[0], axes_, s));
    } else {
      out.push_back(zeros_like(primals[arg], s));
    }
  }
  return out;
}
std::vector<array> Gather::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  check_no_index_tangent(argnums, "gather");
  auto s = stream();
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) {
      return {
          gather(tangents[i], index_inputs(primals, 1, primals.size()), axes_, slice_sizes_, s)};
    }
  }
  Shape shape = primals[1].shape();
  shape.insert(shape.end(), slice_sizes_.begin(), slice_sizes_.end());
  return {zeros(shape, primals[0].dtype(), s)};
}
bool Gather::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const Gather&>(o);
  return axes_ == p.axes_ && slice_sizes_ == p.slice_sizes_;
}

std::vector<array> Scatter::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums,
                                const std::vector<array>& outputs) {
  auto s = stream();
  const array& a = primals[0];
  const array& updates = primals.back();
  const array& g = cotangents[0];
  auto indices = index_inputs(primals, 1, primals.size() - 1);
  Shape slice_sizes(updates.shape().end() - a.ndim(), updates.shape().end());
  auto gather_at = [&](const array& x) { return gather(x, indices, axes_, slice_sizes, s); };
  std::vector<array> out;
  for (int arg : argnums) {
    bool is_a = arg == 0, is_upd = arg == static_cast<int>(primals.size()) - 1;
    if (!is_a && !is_upd) {
      out.push_back(zeros_like(primals[arg], s));
      continue;
    }
    switch (type_) {
      case ScatterType::None:
        out.push_back(is_a ? scatter(g, indices, zeros_like(updates, s), axes_, s) : gather_at(g));
        break;
      case ScatterType::Sum:
        out.push_back(is_a ? g : gather_at(g));
        break;
      case ScatterType::Prod: {
        const array& y = outputs[0];
        out.push_back(is_a ? divide(multiply(g, y, s), a, s)
                           : divide(gather_at(multiply(g, y, s)), updates, s));
        break;
      }
      case ScatterType::Max:
      case ScatterType::Min: {
        const array& y = outputs[0];
        if (is_a) {
          out.push_back(multiply(g, astype(equal(a, y, s), g.dtype(), s), s));
        } else {
          out.push_back(
              multiply(gather_at(g), astype(equal(updates, gather_at(y), s), g.dtype(), s), s));
        }
        break;
      }
    }
  }
  return out;
}
std::vector<array> Scatter::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  auto s = stream();
  const array& a = primals[0];
  const array& updates = primals.back();
  array ta = zeros_like(a, s), tu = zeros_like(updates, s);
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) ta = tangents[i];
    if (argnums[i] == static_cast<int>(primals.size()) - 1) tu = tangents[i];
  }
  auto indices = index_inputs(primals, 1, primals.size() - 1);
  Shape slice_sizes(updates.shape().end() - a.ndim(), updates.shape().end());
  auto gather_at = [&](const array& x) { return gather(x, indices, axes_, slice_sizes, s); };
  switch (type_) {
    case ScatterType::None:
      return {scatter(ta, indices, tu, axes_, s)};
    case ScatterType::Sum:
      return {scatter_add(ta, indices, tu, axes_, s)};
    case ScatterType::Prod: {
      // d(a * prod u) = out * (da / a + sum du / u)
      auto out = scatter_prod(a, indices, updates, axes_, s);
      auto rel = scatter_add(divide(ta, a, s), indices, divide(tu, updates, s), axes_, s);
      return {multiply(out, rel, s)};
    }
    default: {
      // The tangent follows whichever value won each slot.
      auto out = type_ == ScatterType::Max ? scatter_max(a, indices, updates, axes_, s)
                                           : scatter_min(a, indices, updates, axes_, s);
      auto from_a = multiply(ta, astype(equal(a, out, s), ta.dtype(), s), s);
      auto won = astype(equal(updates, gather_at(out), s), tu.dtype(), s);
      auto from_u = scatter_add(zeros_like(a, s), indices, multiply(tu, won, s), axes_, s);
      auto slot_won_by_update =
          scatter_max(zeros_like(a, s), indices, won, axes_, s);  // 1 where an update won
      return {add(multiply(from_a, subtract(array(1, ta.dtype()), slot_won_by_update, s), s),
                  from_u, s)};
    }
  }
}
bool Scatter::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const Scatter&>(o);
  return type_ == p.type_ && axes_ == p.axes_;
}

std::vector<array> GatherAxis::vjp(const std::vector<array>& primals,
                                   const std::vector<array>& cotangents,
                                   const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  std::vector<array> out;
  for (int arg : argnums) {
    out.push_back(
        arg == 0 ? scatter_add_axis(zeros_like(primals[0], s), primals[1], cotangents[0], axis_, s)
                 : zeros_like(primals[1], s));
  }
  return out;
}
std::vector<array> GatherAxis::jvp(const std::vector<array>& primals,
                                   const std::vector<array>& tangents,
                                   const std::vector<int>& argnums) {
  check_no_index_tangent(argnums, "gather_axis");
  auto s = stream();
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) return {take_along_axis(tangents[i], primals[1], axis_, s)};
  }
  return {zeros(primals[1].shape(), primals[0].dtype(), s)};
}
bool GatherAxis::is_equivalent(const Primitive& o) const {
  return axis_ == static_cast<const GatherAxis&>(o).axis_;
}

std::vector<array> ScatterAxis::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const array& g = cotangents[0];
  const array& idx = primals[1];
  std::vector<array> out;
  for (int arg : argnums) {
    if (arg == 0) {
      out.push_back(type_ == ScatterType::None
                        ? put_along_axis(g, idx, zeros_like(primals[2], s), axis_, s)
                        : g);
    } else if (arg == 2) {
      out.push_back(take_along_axis(g, idx, axis_, s));
    } else {
      out.push_back(zeros_like(idx, s));
    }
  }
  return out;
}
std::vector<array> ScatterAxis::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  auto s = stream();
  array ta = zeros_like(primals[0], s), tv = zeros_like(primals[2], s);
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) ta = tangents[i];
    if (argnums[i] == 2) tv = tangents[i];
  }
  return {type_ == ScatterType::None ? put_along_axis(ta, primals[1], tv, axis_, s)
                                     : scatter_add_axis(ta, primals[1], tv, axis_, s)};
}
bool ScatterAxis::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const ScatterAxis&>(o);
  return type_ == p.type_ && axis_ == p.axis_;
}

namespace {

// True when x is computed as a swap of its last two axes (as W.T in x @ W.T).
bool is_matrix_transpose(const array& x) {
  if (!x.has_primitive() || x.ndim() < 2) return false;
  auto* t = dynamic_cast<const Transpose*>(&x.primitive());
  if (t == nullptr) return false;
  int nd = static_cast<int>(x.ndim());
  for (int i = 0; i < nd - 2; ++i) {
    if (t->axes()[i] != i) return false;
  }
  return t->axes()[nd - 2] == nd - 1 && t->axes()[nd - 1] == nd - 2;
}

// Cotangents of a @ b. For an operand that is a transpose, the product is
// computed transposed, (b g^T)^T or (g^T a)^T, so that after the transpose's
// own vjp the gradient reaches the untransposed array row-major: the
// optimizer's update on it is then a dense loop, not a strided one.
array matmul_vjp_a(const array& a, const array& b, const array& g, StreamOrDevice s) {
  if (is_matrix_transpose(a)) return swapaxes(matmul(b, swapaxes(g, -1, -2, s), s), -1, -2, s);
  return matmul(g, swapaxes(b, -1, -2, s), s);
}
array matmul_vjp_b(const array& a, const array& b, const array& g, StreamOrDevice s) {
  if (is_matrix_transpose(b)) return swapaxes(matmul(swapaxes(g, -1, -2, s), a, s), -1, -2, s);
  return matmul(swapaxes(a, -1, -2, s), g, s);
}

// alpha * x, without a node when alpha is 1.
array scaled(float alpha, const array& x, StreamOrDevice s) {
  return alpha == 1.0f ? x : multiply(array(alpha, x.dtype()), x, s);
}

}  // namespace

std::vector<array> Matmul::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const array& g = cotangents[0];
  std::vector<array> out;
  // Complex products take the conjugate of the other operand (the adjoint).
  auto adjoint = [&](const array& x) { return is_complex(x.dtype()) ? conjugate(x, s) : x; };
  for (int arg : argnums) {
    out.push_back(arg == 0 ? matmul_vjp_a(primals[0], adjoint(primals[1]), g, s)
                           : matmul_vjp_b(adjoint(primals[0]), primals[1], g, s));
  }
  return out;
}
std::vector<array> Matmul::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  auto s = stream();
  std::optional<array> out;
  for (size_t i = 0; i < argnums.size(); ++i) {
    auto term =
        argnums[i] == 0 ? matmul(tangents[i], primals[1], s) : matmul(primals[0], tangents[i], s);
    out = out ? add(*out, term, s) : term;
  }
  return {*out};
}

std::vector<array> AddMM::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents, const std::vector<int>& argnums,
                              const std::vector<array>&) {
  auto s = stream();
  const array& g = cotangents[0];
  std::vector<array> out;
  for (int arg : argnums) {
    if (arg == 0) {
      out.push_back(scaled(alpha_, matmul_vjp_a(primals[0], primals[1], g, s), s));
    } else if (arg == 1) {
      out.push_back(scaled(alpha_, matmul_vjp_b(primals[0], primals[1], g, s), s));
    } else {
      out.push_back(scaled(beta_, g, s));
    }
  }
  return out;
}
std::vector<array> AddMM::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                              const std::vector<int>& argnums) {
  auto s = stream();
  Dtype t = primals[0].dtype();
  std::optional<array> out;
  for (size_t i = 0; i < argnums.size(); ++i) {
    array term = argnums[i] == 0 ? multiply(array(alpha_, t), matmul(tangents[i], primals[1], s), s)
                 : argnums[i] == 1
                     ? multiply(array(alpha_, t), matmul(primals[0], tangents[i], s), s)
                     : multiply(array(beta_, t), tangents[i], s);
    out = out ? add(*out, term, s) : term;
  }
  return {*out};
}
bool AddMM::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const AddMM&>(o);
  return alpha_ == p.alpha_ && beta_ == p.beta_;
}

std::vector<array> RandomBits::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                   const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}
std::vector<array> RandomBits::jvp(const std::vector<array>&, const std::vector<array>&,
                                   const std::vector<int>&) {
  fail("RandomBits", "Random bits are not differentiable.");
}
bool RandomBits::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const RandomBits&>(o);
  return shape_ == p.shape_ && width_ == p.width_;
}

}  // namespace lmx
