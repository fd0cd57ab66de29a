// vjp and jvp rules of the primitives that move data without arithmetic:
// copies, views, slicing, concatenation, padding.
#include <numeric>

#include "lmx/core/ops_common.h"
#include "lmx/core/ops_numpy.h"

namespace lmx {

std::vector<array> Primitive::vjp(const std::vector<array>&, const std::vector<array>&,
                                  const std::vector<int>&, const std::vector<array>&) {
  fail(name(), "The vjp is not implemented for this primitive.");
}
std::vector<array> Primitive::jvp(const std::vector<array>&, const std::vector<array>&,
                                  const std::vector<int>&) {
  fail(name(), "The jvp is not implemented for this primitive.");
}

// Identity-like primitives pass gradients straight through.
#define LMX_IDENTITY_GRADS(P)                                                                \
  std::vector<array> P::vjp(const std::vector<array>&, const std::vector<array>& cotangents, \
                            const std::vector<int>&, const std::vector<array>&) {            \
    return {cotangents[0]};                                                                  \
  }                                                                                          \
  std::vector<array> P::jvp(const std::vector<array>&, const std::vector<array>& tangents,   \
                            const std::vector<int>&) {                                       \
    return {tangents[0]};                                                                    \
  }
LMX_IDENTITY_GRADS(Copy)
LMX_IDENTITY_GRADS(Full)
#undef LMX_IDENTITY_GRADS

std::vector<array> StopGradient::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                     const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}
std::vector<array> StopGradient::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                     const std::vector<int>&) {
  return {zeros_like(primals[0], stream())};
}

std::vector<array> Arange::vjp(const std::vector<array>&, const std::vector<array>&,
                               const std::vector<int>&, const std::vector<array>&) {
  return {};
}
std::vector<array> Arange::jvp(const std::vector<array>&, const std::vector<array>&,
                               const std::vector<int>&) {
  return {};
}
bool Arange::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const Arange&>(o);
  return start_ == p.start_ && stop_ == p.stop_ && step_ == p.step_;
}

std::vector<array> Reshape::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents, const std::vector<int>&,
                                const std::vector<array>&) {
  return {reshape(cotangents[0], primals[0].shape(), stream())};
}
std::vector<array> Reshape::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                const std::vector<int>&) {
  return {reshape(tangents[0], shape_, stream())};
}
bool Reshape::is_equivalent(const Primitive& o) const {
  return shape_ == static_cast<const Reshape&>(o).shape_;
}

std::vector<array> Transpose::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  std::vector<int> inv(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) inv[axes_[i]] = static_cast<int>(i);
  return {transpose(cotangents[0], inv, stream())};
}
std::vector<array> Transpose::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {transpose(tangents[0], axes_, stream())};
}
bool Transpose::is_equivalent(const Primitive& o) const {
  return axes_ == static_cast<const Transpose&>(o).axes_;
}

std::vector<array> Broadcast::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents, const std::vector<int>&,
                                  const std::vector<array>&) {
  return {unbroadcast(cotangents[0], primals[0].shape(), stream())};
}
std::vector<array> Broadcast::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {broadcast_to(tangents[0], shape_, stream())};
}
bool Broadcast::is_equivalent(const Primitive& o) const {
  return shape_ == static_cast<const Broadcast&>(o).shape_;
}

// Slice parameters are stored already normalised, so the rules build nodes
// directly instead of going back through the ops' index normalisation.
std::vector<array> Slice::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents, const std::vector<int>&,
                              const std::vector<array>&) {
  auto s = stream();
  const array& g = cotangents[0];
  auto base = zeros(primals[0].shape(), g.dtype(), s);
  return {array(primals[0].shape(), g.dtype(),
                std::make_shared<SliceUpdate>(s, start_, stop_, strides_), {base, g})};
}
namespace {
Shape slice_shape(const Shape& start, const Shape& stop, const Shape& strides) {
  Shape out(start.size());
  for (size_t i = 0; i < start.size(); ++i) {
    int st = strides[i];
    out[i] = st > 0 ? (stop[i] - start[i] + st - 1) / st : (start[i] - stop[i] - st - 1) / (-st);
  }
  return out;
}
}  // namespace

std::vector<array> Slice::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                              const std::vector<int>&) {
  const array& t = tangents[0];
  return {array(slice_shape(start_, stop_, strides_), t.dtype(),
                std::make_shared<Slice>(stream(), start_, stop_, strides_), {t})};
}
bool Slice::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const Slice&>(o);
  return start_ == p.start_ && stop_ == p.stop_ && strides_ == p.strides_;
}

std::vector<array> SliceUpdate::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const array& g = cotangents[0];
  std::vector<array> out;
  for (int arg : argnums) {
    if (arg == 0) {
      auto hole = zeros(primals[1].shape(), g.dtype(), s);
      out.push_back(array(g.shape(), g.dtype(),
                          std::make_shared<SliceUpdate>(s, start_, stop_, strides_), {g, hole}));
    } else {
      out.push_back(array(primals[1].shape(), g.dtype(),
                          std::make_shared<Slice>(s, start_, stop_, strides_), {g}));
    }
  }
  return out;
}
std::vector<array> SliceUpdate::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  auto s = stream();
  array t_src = zeros_like(primals[0], s), t_upd = zeros_like(primals[1], s);
  for (size_t i = 0; i < argnums.size(); ++i) (argnums[i] == 0 ? t_src : t_upd) = tangents[i];
  return {array(primals[0].shape(), t_src.dtype(),
                std::make_shared<SliceUpdate>(s, start_, stop_, strides_), {t_src, t_upd})};
}
bool SliceUpdate::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const SliceUpdate&>(o);
  return start_ == p.start_ && stop_ == p.stop_ && strides_ == p.strides_;
}

std::vector<array> Concatenate::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const array& g = cotangents[0];
  std::vector<int> offsets(primals.size() + 1, 0);
  for (size_t i = 0; i < primals.size(); ++i) offsets[i + 1] = offsets[i] + primals[i].shape(axis_);
  std::vector<array> out;
  for (int arg : argnums) {
    Shape start(g.ndim(), 0), stop = g.shape();
    start[axis_] = offsets[arg];
    stop[axis_] = offsets[arg + 1];
    out.push_back(slice(g, start, stop, s));
  }
  return out;
}
std::vector<array> Concatenate::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  auto s = stream();
  std::vector<array> parts;
  for (size_t i = 0; i < primals.size(); ++i) {
    auto it = std::find(argnums.begin(), argnums.end(), static_cast<int>(i));
    parts.push_back(it == argnums.end() ? zeros_like(primals[i], s)
                                        : tangents[it - argnums.begin()]);
  }
  return {concatenate(parts, axis_, s)};
}
bool Concatenate::is_equivalent(const Primitive& o) const {
  return axis_ == static_cast<const Concatenate&>(o).axis_;
}

std::vector<array> Pad::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                            const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const array& g = cotangents[0];
  Shape start(g.ndim(), 0), stop = g.shape();
  for (size_t i = 0; i < axes_.size(); ++i) {
    start[axes_[i]] = low_[i];
    stop[axes_[i]] = g.shape(axes_[i]) - high_[i];
  }
  auto inner = slice(g, start, stop, s);
  std::vector<array> out;
  for (int arg : argnums) {
    // The pad value receives the gradient of every padded position.
    out.push_back(arg == 0 ? inner : subtract(sum(g, s), sum(inner, s), s));
  }
  (void)primals;
  return out;
}
std::vector<array> Pad::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                            const std::vector<int>& argnums) {
  auto s = stream();
  array t = zeros_like(primals[0], s), tv = zeros_like(primals[1], s);
  for (size_t i = 0; i < argnums.size(); ++i) (argnums[i] == 0 ? t : tv) = tangents[i];
  return {pad(t, axes_, low_, high_, tv, "constant", s)};
}
bool Pad::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const Pad&>(o);
  return axes_ == p.axes_ && low_ == p.low_ && high_ == p.high_;
}

// The flat input position of every element of an as_strided view.
namespace {
array strided_positions(const Shape& shape, const Strides& strides, size_t offset, Stream s) {
  array idx = array(static_cast<int64_t>(offset));
  for (size_t i = 0; i < shape.size(); ++i) {
    Shape bshape(shape.size(), 1);
    bshape[i] = shape[i];
    auto r =
        multiply(arange(0.0, static_cast<double>(shape[i]), 1.0, int64, s), array(strides[i]), s);
    idx = add(idx, reshape(r, bshape, s), s);
  }
  return broadcast_to(idx, shape, s);
}
}  // namespace

std::vector<array> AsStrided::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents, const std::vector<int>&,
                                  const std::vector<array>&) {
  auto s = stream();
  const array& x = primals[0];
  // Every view element adds its cotangent to the input element it reads.
  auto idx = flatten(strided_positions(shape_, strides_, offset_, s), s);
  auto flat = scatter_add_axis(zeros({static_cast<int>(x.size())}, cotangents[0].dtype(), s), idx,
                               flatten(cotangents[0], s), 0, s);
  return {reshape(flat, x.shape(), s)};
}
std::vector<array> AsStrided::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {as_strided(tangents[0], shape_, strides_, offset_, stream())};
}
bool AsStrided::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const AsStrided&>(o);
  return shape_ == p.shape_ && strides_ == p.strides_ && offset_ == p.offset_;
}

}  // namespace lmx

namespace lmx {

// Reinterpreted bits and element counts carry no gradient.
std::vector<array> View::vjp(const std::vector<array>& primals, const std::vector<array>&,
                             const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}
std::vector<array> View::jvp(const std::vector<array>& primals, const std::vector<array>&,
                             const std::vector<int>&) {
  return {zeros(view(primals[0], dtype_).shape(), dtype_, stream())};
}
bool View::is_equivalent(const Primitive& o) const {
  return dtype_ == static_cast<const View&>(o).dtype_;
}

std::vector<array> NumberOfElements::vjp(const std::vector<array>& primals,
                                         const std::vector<array>&, const std::vector<int>&,
                                         const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}
std::vector<array> NumberOfElements::jvp(const std::vector<array>&, const std::vector<array>&,
                                         const std::vector<int>&) {
  return {zeros({}, dtype_, stream())};
}
bool NumberOfElements::is_equivalent(const Primitive& o) const {
  auto& p = static_cast<const NumberOfElements&>(o);
  return axes_ == p.axes_ && inverted_ == p.inverted_ && dtype_ == p.dtype_;
}

}  // namespace lmx
