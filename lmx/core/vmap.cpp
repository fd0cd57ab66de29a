// vmap: trace the function on one example (each mapped input with its batch
// axis removed), then replay the traced nodes on the whole batch through each
// primitive's batching rule. The result is an ordinary lazy graph, so vmap
// composes with grad, vjp, jvp, compile and itself.
//
// The batching rules of every primitive are here, family by family. Each
// moves batch axes to the front, so the rule is the primitive with its axis
// parameters shifted by one; the default rule (Primitive::vmap) applies the
// primitive to each example and stacks the results.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "lmx/core/attention.h"
#include "lmx/core/extreme_grad.h"
#include "lmx/core/graph.h"
#include "lmx/core/ops_common.h"
#include "lmx/core/transforms.h"

namespace lmx {

namespace {

using Batched = std::pair<std::vector<array>, std::vector<int>>;

// The batch size shared by the mapped inputs.
int batch_size(const std::vector<array>& inputs, const std::vector<int>& axes) {
  int b = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] < 0) continue;
    int n = inputs[i].shape(axes[i]);
    if (b >= 0 && n != b) fail("vmap", "Inconsistent axis sizes: ", b, " and ", n, ".");
    b = n;
  }
  return b;
}

// `x` with its batch axis first; an unbatched `x` is broadcast to `batch`
// examples.
array batch_first(const array& x, int axis, int batch) {
  if (axis < 0) {
    Shape shape = x.shape();
    shape.insert(shape.begin(), batch);
    return broadcast_to(expand_dims(x, 0), shape);
  }
  return axis == 0 ? x : moveaxis(x, axis, 0);
}

// `x` with its batch axis first and, when batched, ones inserted after it so
// it has `ndim` example dimensions (right-aligned broadcasting keeps working
// against unbatched inputs).
array batch_first_aligned(const array& x, int axis, int ndim) {
  if (axis < 0) return x;
  auto y = axis == 0 ? x : moveaxis(x, axis, 0);
  int have = y.ndim() - 1;
  if (have >= ndim) return y;
  Shape shape{y.shape(0)};
  shape.insert(shape.end(), ndim - have, 1);
  shape.insert(shape.end(), y.shape().begin() + 1, y.shape().end());
  return reshape(y, shape);
}

Shape with_batch(int batch, const Shape& shape) {
  Shape out{batch};
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

std::vector<int> shifted(const std::vector<int>& axes) {
  std::vector<int> out;
  for (int a : axes) out.push_back(a + 1);
  return out;
}

// The primitive of a node's outputs (an output its user dropped stands in as
// a bare array, so the first one is not always the node).
std::shared_ptr<Primitive> primitive_of(const std::vector<array>& outputs) {
  for (auto& o : outputs)
    if (o.has_primitive()) return o.primitive_ptr();
  throw std::logic_error("[vmap] A node without a primitive.");
}

// The node's primitive on new inputs, with the outputs' example shapes
// prefixed by the batch size.
std::vector<array> rebuild(const std::vector<array>& outputs, int batch,
                           std::vector<array> inputs) {
  auto prim = primitive_of(outputs);
  if (outputs.size() == 1) {
    return {
        array(with_batch(batch, outputs[0].shape()), outputs[0].dtype(), prim, std::move(inputs))};
  }
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& o : outputs) {
    shapes.push_back(with_batch(batch, o.shape()));
    dtypes.push_back(o.dtype());
  }
  return array::make_arrays(std::move(shapes), dtypes, prim, inputs);
}

// Elementwise primitives (inputs broadcast against each other): batched
// inputs get their batch axis first, aligned to the output's rank.
Batched vmap_elementwise(const std::vector<array>& inputs, const std::vector<int>& axes,
                         const std::vector<array>& outputs) {
  int batch = batch_size(inputs, axes);
  int ndim = outputs[0].ndim();
  std::vector<array> in;
  for (size_t i = 0; i < inputs.size(); ++i)
    in.push_back(batch_first_aligned(inputs[i], axes[i], ndim));
  return {rebuild(outputs, batch, std::move(in)), std::vector<int>(outputs.size(), 0)};
}

// Every input with its batch axis first (unbatched ones broadcast).
std::vector<array> all_batch_first(const std::vector<array>& inputs, const std::vector<int>& axes,
                                   int batch) {
  std::vector<array> out;
  for (size_t i = 0; i < inputs.size(); ++i) out.push_back(batch_first(inputs[i], axes[i], batch));
  return out;
}

}  // namespace

// ---- The default rule: one node per example, stacked ----

Batched Primitive::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                        const std::vector<array>& outputs) {
  int batch = batch_size(inputs, axes);
  auto prim = primitive_of(outputs);
  std::vector<std::vector<array>> per_output(outputs.size());
  for (int b = 0; b < batch; ++b) {
    std::vector<array> example;
    for (size_t i = 0; i < inputs.size(); ++i)
      example.push_back(axes[i] < 0 ? inputs[i] : take(inputs[i], b, axes[i]));
    std::vector<array> outs;
    if (outputs.size() == 1) {
      outs.push_back(array(outputs[0].shape(), outputs[0].dtype(), prim, std::move(example)));
    } else {
      std::vector<Shape> shapes;
      std::vector<Dtype> dtypes;
      for (auto& o : outputs) {
        shapes.push_back(o.shape());
        dtypes.push_back(o.dtype());
      }
      outs = array::make_arrays(std::move(shapes), dtypes, prim, example);
    }
    for (size_t j = 0; j < outs.size(); ++j) per_output[j].push_back(outs[j]);
  }
  std::vector<array> result;
  for (size_t j = 0; j < outputs.size(); ++j) {
    result.push_back(batch == 0 ? zeros(with_batch(0, outputs[j].shape()), outputs[j].dtype())
                                : stack(per_output[j], 0));
  }
  return {result, std::vector<int>(outputs.size(), 0)};
}

// ---- Elementwise ----

#define LMX_ELEMENTWISE_VMAP(P)                                                   \
  Batched P::vmap(const std::vector<array>& inputs, const std::vector<int>& axes, \
                  const std::vector<array>& outputs) {                            \
    return vmap_elementwise(inputs, axes, outputs);                               \
  }
LMX_ELEMENTWISE_VMAP(Unary)
LMX_ELEMENTWISE_VMAP(Binary)
LMX_ELEMENTWISE_VMAP(DivMod)
LMX_ELEMENTWISE_VMAP(Select)
LMX_ELEMENTWISE_VMAP(AsType)
LMX_ELEMENTWISE_VMAP(Copy)
LMX_ELEMENTWISE_VMAP(Full)
LMX_ELEMENTWISE_VMAP(StopGradient)
LMX_ELEMENTWISE_VMAP(Compiled)
#undef LMX_ELEMENTWISE_VMAP

// ---- Structure ----

Batched Reshape::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                      const std::vector<array>&) {
  auto x = batch_first(inputs[0], axes[0], 1);
  return {{reshape(x, with_batch(x.shape(0), shape_))}, {0}};
}

Batched Transpose::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                        const std::vector<array>&) {
  auto x = batch_first(inputs[0], axes[0], 1);
  std::vector<int> perm{0};
  for (int a : axes_) perm.push_back(a + 1);
  return {{transpose(x, perm)}, {0}};
}

Batched Broadcast::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                        const std::vector<array>&) {
  auto x = batch_first_aligned(inputs[0], axes[0], static_cast<int>(shape_.size()));
  return {{broadcast_to(x, with_batch(x.shape(0), shape_))}, {0}};
}

Batched Slice::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                    const std::vector<array>& outputs) {
  auto x = batch_first(inputs[0], axes[0], 1);
  int batch = x.shape(0);
  Shape start{0}, stop{batch}, strides{1};
  start.insert(start.end(), start_.begin(), start_.end());
  stop.insert(stop.end(), stop_.begin(), stop_.end());
  strides.insert(strides.end(), strides_.begin(), strides_.end());
  // The bounds are already normalized: the node is built directly.
  return {{make_node<Slice>(with_batch(batch, outputs[0].shape()), x.dtype(), {x}, stream(), start,
                            stop, strides)},
          {0}};
}

Batched SliceUpdate::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                          const std::vector<array>& outputs) {
  int batch = batch_size(inputs, axes);
  auto in = all_batch_first(inputs, axes, batch);
  Shape start{0}, stop{batch}, strides{1};
  start.insert(start.end(), start_.begin(), start_.end());
  stop.insert(stop.end(), stop_.begin(), stop_.end());
  strides.insert(strides.end(), strides_.begin(), strides_.end());
  return {{make_node<SliceUpdate>(with_batch(batch, outputs[0].shape()), outputs[0].dtype(), in,
                                  stream(), start, stop, strides)},
          {0}};
}

Batched Concatenate::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                          const std::vector<array>& outputs) {
  int batch = batch_size(inputs, axes);
  return {{make_node<Concatenate>(with_batch(batch, outputs[0].shape()), outputs[0].dtype(),
                                  all_batch_first(inputs, axes, batch), stream(), axis_ + 1)},
          {0}};
}

Batched Pad::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                  const std::vector<array>& outputs) {
  // A batched pad value has no single-node form.
  if (axes[1] >= 0) return Primitive::vmap(inputs, axes, outputs);
  auto x = batch_first(inputs[0], axes[0], 1);
  return {{make_node<Pad>(with_batch(x.shape(0), outputs[0].shape()), x.dtype(), {x, inputs[1]},
                          stream(), shifted(axes_), low_, high_)},
          {0}};
}

// ---- Windows (convolution and pooling): the batch joins the N axis ----

namespace {
// The node on inputs[0] with its batch folded into N; the other inputs (the
// weights of a convolution) are unbatched and passed as they are.
Batched vmap_window(const std::vector<array>& inputs, int axis, const array& out) {
  auto x = batch_first(inputs[0], axis, 1);
  int batch = x.shape(0), n = x.shape(1);
  Shape merged{batch * n};
  merged.insert(merged.end(), x.shape().begin() + 2, x.shape().end());
  Shape out_merged = out.shape();
  out_merged[0] = batch * n;
  std::vector<array> in{reshape(x, merged)};
  in.insert(in.end(), inputs.begin() + 1, inputs.end());
  auto y = array(out_merged, out.dtype(), primitive_of({out}), std::move(in));
  return {{reshape(y, with_batch(batch, out.shape()))}, {0}};
}
}  // namespace

Batched Unfold::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                     const std::vector<array>& outputs) {
  return vmap_window(inputs, axes[0], outputs[0]);
}
Batched Fold::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                   const std::vector<array>& outputs) {
  return vmap_window(inputs, axes[0], outputs[0]);
}
// A batched weight (or, for the weight gradient, which sums over N, any batch)
// has no single-node form: one node per example.
Batched Convolution::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                          const std::vector<array>& outputs) {
  if (axes[1] >= 0) return Primitive::vmap(inputs, axes, outputs);
  return vmap_window(inputs, axes[0], outputs[0]);
}
Batched ConvolutionInputGrad::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                                   const std::vector<array>& outputs) {
  if (axes[1] >= 0) return Primitive::vmap(inputs, axes, outputs);
  return vmap_window(inputs, axes[0], outputs[0]);
}
Batched ConvolutionWeightGrad::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                                    const std::vector<array>& outputs) {
  return Primitive::vmap(inputs, axes, outputs);
}

// Attention maps the batch into its own batch axis: every input batch first
// (shared ones broadcast), the two leading axes merged, and split again in
// the outputs.
namespace {
Batched vmap_attention(const std::vector<array>& inputs, const std::vector<int>& axes,
                       const std::function<std::vector<array>(const std::vector<array>&)>& node) {
  int batch = batch_size(inputs, axes);
  std::vector<array> merged;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto x = batch_first(inputs[i], axes[i], batch);
    Shape shape(x.shape().begin() + 1, x.shape().end());
    shape[0] *= batch;
    merged.push_back(reshape(x, shape));
  }
  std::vector<array> out;
  for (auto& y : node(merged)) {
    Shape shape = y.shape();
    shape[0] = batch == 0 ? 0 : shape[0] / batch;
    shape.insert(shape.begin(), batch);
    out.push_back(reshape(y, shape));
  }
  return {out, std::vector<int>(out.size(), 0)};
}
}  // namespace

Batched Attention::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                        const std::vector<array>&) {
  return vmap_attention(inputs, axes, [&](const std::vector<array>& x) {
    std::optional<array> mask;
    if (x.size() > 3) mask = x[3];
    return fused_attention(x[0], x[1], x[2], mask, scale_, causal_, stream());
  });
}
Batched AttentionGrad::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                            const std::vector<array>&) {
  return vmap_attention(inputs, axes, [&](const std::vector<array>& x) {
    std::optional<array> mask;
    if (x.size() > 6) mask = x[6];
    return fused_attention_grad(x[0], x[1], x[2], x[3], x[4], x[5], mask, scale_, causal_,
                                stream());
  });
}

// ---- Reductions, scans and sorts along axes ----

// Counted on one example: the batch axis is left out.
Batched NumberOfElements::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                               const std::vector<array>&) {
  auto x = batch_first(inputs[0], axes[0], 1);
  return {
      {make_node<NumberOfElements>({}, dtype_, {x}, stream(), shifted(axes_), inverted_, dtype_)},
      {-1}};
}

Batched Reduce::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                     const std::vector<array>& outputs) {
  auto x = batch_first(inputs[0], axes[0], 1);
  return {{make_node<Reduce>(with_batch(x.shape(0), outputs[0].shape()), outputs[0].dtype(), {x},
                             stream(), type_, shifted(axes_))},
          {0}};
}

Batched ExtremeGrad::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                          const std::vector<array>&) {
  int batch = batch_size(inputs, axes);
  auto in = all_batch_first(inputs, axes, batch);
  return {{extreme_grad(in[0], in[1], in[2], shifted(axes_), stream())}, {0}};
}

Batched ArgReduce::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                        const std::vector<array>& outputs) {
  auto x = batch_first(inputs[0], axes[0], 1);
  return {{make_node<ArgReduce>(with_batch(x.shape(0), outputs[0].shape()), outputs[0].dtype(), {x},
                                stream(), type_, axis_ + 1)},
          {0}};
}

Batched Scan::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                   const std::vector<array>& outputs) {
  auto x = batch_first(inputs[0], axes[0], 1);
  return {{make_node<Scan>(with_batch(x.shape(0), outputs[0].shape()), outputs[0].dtype(), {x},
                           stream(), type_, axis_ + 1, reverse_, inclusive_)},
          {0}};
}

Batched ArgSort::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                      const std::vector<array>& outputs) {
  auto x = batch_first(inputs[0], axes[0], 1);
  return {{make_node<ArgSort>(with_batch(x.shape(0), outputs[0].shape()), outputs[0].dtype(), {x},
                              stream(), axis_ + 1)},
          {0}};
}

// Softmax and logsumexp work on the last axis, which stays last.
Batched Softmax::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                      const std::vector<array>& outputs) {
  auto x = batch_first(inputs[0], axes[0], 1);
  return {rebuild(outputs, x.shape(0), {x}), {0}};
}
Batched LogSumExp::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                        const std::vector<array>& outputs) {
  auto x = batch_first(inputs[0], axes[0], 1);
  return {rebuild(outputs, x.shape(0), {x}), {0}};
}

// Rope turns the last two axes: a batch axis in front of them is one more
// leading axis. A batched offset gives each example its own positions: the
// default rule, one node per example.
Batched Rope::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                   const std::vector<array>& outputs) {
  if (axes[1] >= 0) return Primitive::vmap(inputs, axes, outputs);
  auto x = batch_first(inputs[0], axes[0], 1);
  return {rebuild(outputs, x.shape(0), {x, inputs[1]}), {0}};
}

// ---- Products ----

Batched Matmul::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                     const std::vector<array>&) {
  int batch = batch_size(inputs, axes);
  auto in = all_batch_first(inputs, axes, batch);
  return {{matmul(in[0], in[1])}, {0}};
}

Batched AddMM::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                    const std::vector<array>&) {
  int batch = batch_size(inputs, axes);
  auto in = all_batch_first(inputs, axes, batch);  // {a, b, c}
  return {{addmm(in[2], in[0], in[1], alpha_, beta_)}, {0}};
}

// ---- Indexing ----

Batched Gather::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                     const std::vector<array>& outputs) {
  int batch = batch_size(inputs, axes);
  bool batched_indices = false;
  for (size_t i = 1; i < axes.size(); ++i) batched_indices |= axes[i] >= 0;
  int index_ndim = inputs.size() > 1 ? inputs[1].ndim() - (axes[1] >= 0 ? 1 : 0) : 0;
  if (!batched_indices) {
    // Only the source is batched: its batch axis is one more sliced axis,
    // kept whole, and lands after the index dimensions.
    auto src = batch_first(inputs[0], axes[0], 1);
    std::vector<array> in{src};
    in.insert(in.end(), inputs.begin() + 1, inputs.end());
    Shape out_shape = outputs[0].shape();
    out_shape.insert(out_shape.begin() + index_ndim, batch);
    return {{make_node<Gather>(out_shape, outputs[0].dtype(), in, stream(), shifted(axes_),
                               with_batch(batch, slice_sizes_))},
            {index_ndim}};
  }
  // Batched indices: every index array gets the batch first, and a batched
  // source is indexed along its batch axis by the example number too, with a
  // slice of one there that is then dropped.
  std::vector<array> idx;
  for (size_t i = 1; i < inputs.size(); ++i) idx.push_back(batch_first(inputs[i], axes[i], batch));
  Shape out_shape = with_batch(batch, outputs[0].shape());
  if (axes[0] < 0) {
    std::vector<array> in{inputs[0]};
    in.insert(in.end(), idx.begin(), idx.end());
    return {{make_node<Gather>(out_shape, outputs[0].dtype(), in, stream(), axes_, slice_sizes_)},
            {0}};
  }
  auto src = batch_first(inputs[0], axes[0], batch);
  Shape index_shape = idx[0].shape();
  Shape example_index(index_shape.size(), 1);
  example_index[0] = batch;
  auto example = broadcast_to(reshape(arange(batch), example_index), index_shape);
  std::vector<array> in{src, example};
  in.insert(in.end(), idx.begin(), idx.end());
  std::vector<int> new_axes{0};
  for (int a : axes_) new_axes.push_back(a + 1);
  Shape sizes{1};
  sizes.insert(sizes.end(), slice_sizes_.begin(), slice_sizes_.end());
  Shape gathered = index_shape;
  gathered.insert(gathered.end(), sizes.begin(), sizes.end());
  auto g = make_node<Gather>(gathered, outputs[0].dtype(), in, stream(), new_axes, sizes);
  return {{squeeze(g, static_cast<int>(index_shape.size()))}, {0}};
}

Batched Scatter::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                      const std::vector<array>& outputs) {
  int batch = batch_size(inputs, axes);
  auto target = batch_first(inputs[0], axes[0], batch);
  bool batched_indices = false;
  for (size_t i = 1; i + 1 < axes.size(); ++i) batched_indices |= axes[i] >= 0;
  if (batched_indices) {
    // Every index array gets the batch first, and the target is indexed
    // along its batch axis by the example number too; the updates' slices
    // get a leading one for that axis.
    std::vector<array> idx;
    for (size_t i = 1; i + 1 < inputs.size(); ++i) {
      idx.push_back(batch_first(inputs[i], axes[i], batch));
    }
    Shape index_shape = idx[0].shape();
    Shape example_index(index_shape.size(), 1);
    example_index[0] = batch;
    auto example =
        broadcast_to(astype(reshape(arange(batch), example_index), idx[0].dtype()), index_shape);
    auto updates = batch_first(inputs.back(), axes.back(), batch);
    updates = expand_dims(updates, static_cast<int>(index_shape.size()));
    std::vector<array> in{target, example};
    in.insert(in.end(), idx.begin(), idx.end());
    in.push_back(updates);
    std::vector<int> new_axes{0};
    for (int a : axes_) new_axes.push_back(a + 1);
    return {{make_node<Scatter>(with_batch(batch, outputs[0].shape()), outputs[0].dtype(), in,
                                stream(), type_, new_axes)},
            {0}};
  }
  // Shared indices: the batch is one more axis of the target, updated
  // whole; in the updates it sits where the target's axes begin.
  const array& upd = inputs.back();
  int upd_axis = axes.back();
  int index_ndim =
      upd.ndim() - (upd_axis >= 0 ? 1 : 0) - (inputs[0].ndim() - (axes[0] >= 0 ? 1 : 0));
  auto updates = batch_first(upd, upd_axis, batch);
  if (index_ndim > 0) updates = moveaxis(updates, 0, index_ndim);
  std::vector<array> in{target};
  in.insert(in.end(), inputs.begin() + 1, inputs.end() - 1);
  in.push_back(updates);
  return {{make_node<Scatter>(with_batch(batch, outputs[0].shape()), outputs[0].dtype(), in,
                              stream(), type_, shifted(axes_))},
          {0}};
}

Batched GatherAxis::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                         const std::vector<array>& outputs) {
  int batch = batch_size(inputs, axes);
  return {{make_node<GatherAxis>(with_batch(batch, outputs[0].shape()), outputs[0].dtype(),
                                 all_batch_first(inputs, axes, batch), stream(), axis_ + 1)},
          {0}};
}

Batched ScatterAxis::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                          const std::vector<array>& outputs) {
  int batch = batch_size(inputs, axes);
  return {
      {make_node<ScatterAxis>(with_batch(batch, outputs[0].shape()), outputs[0].dtype(),
                              all_batch_first(inputs, axes, batch), stream(), type_, axis_ + 1)},
      {0}};
}

// ---- Quantized: groups run along the last axis, so a batch axis in front
// is one more leading dimension ----

Batched AffineQuantize::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                             const std::vector<array>& outputs) {
  auto w = batch_first(inputs[0], axes[0], 1);
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& o : outputs) {
    shapes.push_back(with_batch(w.shape(0), o.shape()));
    dtypes.push_back(o.dtype());
  }
  auto outs = array::make_arrays(
      shapes, dtypes, std::make_shared<AffineQuantize>(stream(), group_size_, bits_), {w});
  return {outs, std::vector<int>(outs.size(), 0)};
}

Batched AffineDequantize::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                               const std::vector<array>& outputs) {
  int batch = batch_size(inputs, axes);
  return {{make_node<AffineDequantize>(with_batch(batch, outputs[0].shape()), outputs[0].dtype(),
                                       all_batch_first(inputs, axes, batch), stream(), group_size_,
                                       bits_)},
          {0}};
}

Batched QuantizedMatmul::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                              const std::vector<array>& outputs) {
  // One weight matrix for every example: the batch is a leading axis of x.
  // Per-example weights are a product per example.
  for (size_t i = 1; i < axes.size(); ++i) {
    if (axes[i] >= 0) return Primitive::vmap(inputs, axes, outputs);
  }
  auto x = batch_first(inputs[0], axes[0], 1);
  std::vector<array> in{x};
  in.insert(in.end(), inputs.begin() + 1, inputs.end());
  return {
      {make_node<QuantizedMatmul>(with_batch(x.shape(0), outputs[0].shape()), outputs[0].dtype(),
                                  in, stream(), group_size_, bits_, transpose_)},
      {0}};
}

// ---- Random bits: one block of bits per key ----

Batched RandomBits::vmap(const std::vector<array>& inputs, const std::vector<int>& axes,
                         const std::vector<array>& outputs) {
  auto keys = batch_first(inputs[0], axes[0], 1);
  return {{make_node<RandomBits>(with_batch(keys.shape(0), outputs[0].shape()), outputs[0].dtype(),
                                 {keys}, stream(), shape_, width_)},
          {0}};
}

// ---- The transform ----

namespace {

// in_axes or out_axes given as all negative (unmapped) on one side only.
bool all_unmapped(const std::vector<int>& axes) {
  return !axes.empty() && std::all_of(axes.begin(), axes.end(), [](int a) { return a < 0; });
}

}  // namespace

namespace detail {

std::vector<array> vmap_apply(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& inputs, const std::vector<int>& in_axes,
    const std::function<std::vector<int>(const std::vector<array>&)>& out_axes) {
  std::vector<int> ax = in_axes.empty() ? std::vector<int>(inputs.size(), 0) : in_axes;
  if (ax.size() != inputs.size()) {
    fail("vmap", "The number of in axes (", ax.size(), ") must match the number of inputs (",
         inputs.size(), ").");
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (ax[i] >= inputs[i].ndim()) {
      fail("vmap", "Axis ", ax[i], " invalid for input with ", inputs[i].ndim(), " dimensions.");
    }
  }
  int batch = batch_size(inputs, ax);
  // Trace one example: a mapped input's first slice stands for all.
  std::vector<array> tracers, mapped;
  std::vector<array> outputs;
  {
    TracingScope scope;
    for (size_t i = 0; i < inputs.size(); ++i) {
      auto t = copy(ax[i] < 0 ? inputs[i] : take(inputs[i], 0, ax[i]));
      t.set_tracer(true);
      tracers.push_back(t);
      if (ax[i] >= 0) mapped.push_back(t);
    }
    outputs = fun(tracers);
  }
  std::vector<int> oax = out_axes(outputs);
  if (oax.empty()) oax.assign(outputs.size(), 0);
  if (oax.size() != outputs.size()) {
    fail("vmap", "The number of out axes (", oax.size(), ") must match the number of outputs (",
         outputs.size(), ").");
  }
  // Replay: every node that depends on a mapped input runs its batching
  // rule on the batched values of its inputs.
  std::unordered_map<std::uintptr_t, std::pair<array, int>> batched;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (ax[i] >= 0) batched.insert_or_assign(tracers[i].id(), std::make_pair(inputs[i], ax[i]));
  }
  for (auto& node : tape_between(mapped, outputs, /*skip_stop_gradient=*/false)) {
    std::vector<array> in;
    std::vector<int> in_ax;
    for (auto& x : node.inputs()) {
      auto it = batched.find(x.id());
      if (it == batched.end()) {
        in.push_back(x);
        in_ax.push_back(-1);
      } else {
        in.push_back(it->second.first);
        in_ax.push_back(it->second.second);
      }
    }
    auto outs = node.outputs();
    auto [vals, vax] = node.primitive().vmap(in, in_ax, outs);
    for (size_t j = 0; j < outs.size(); ++j) {
      batched.insert_or_assign(outs[j].id(), std::make_pair(vals[j], vax[j]));
    }
  }
  std::vector<array> result;
  for (size_t j = 0; j < outputs.size(); ++j) {
    auto it = batched.find(outputs[j].id());
    // An output that does not depend on a mapped input is the same for every
    // example.
    array value = it == batched.end() ? outputs[j] : it->second.first;
    int axis = it == batched.end() ? -1 : it->second.second;
    int target = oax[j];
    if (target < 0) {
      if (axis >= 0) {
        fail("vmap", "Output ", j, " depends on the mapped inputs, so its out axis cannot be ",
             "unmapped.");
      }
      result.push_back(value);
      continue;
    }
    int example_ndim = value.ndim() - (axis >= 0 ? 1 : 0);
    if (target > example_ndim) {
      fail("vmap", "Axis ", target, " invalid for output with ", example_ndim + 1, " dimensions.");
    }
    auto v = batch_first(value, axis, batch);
    result.push_back(target == 0 ? v : moveaxis(v, 0, target));
  }
  return result;
}

}  // namespace detail

std::function<std::vector<array>(const std::vector<array>&)> vmap(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<int>& in_axes, const std::vector<int>& out_axes) {
  if (all_unmapped(in_axes) != all_unmapped(out_axes)) {
    fail("vmap", "Input (or output) axes must be specified if output (or input) axes are.");
  }
  return [fun, in_axes, out_axes](const std::vector<array>& inputs) {
    return detail::vmap_apply(fun, inputs, in_axes,
                              [&](const std::vector<array>&) { return out_axes; });
  };
}

std::function<array(const array&)> vmap(const std::function<array(const array&)>& fun, int in_axis,
                                        int out_axis) {
  auto f = vmap([fun](const std::vector<array>& x) { return std::vector<array>{fun(x[0])}; },
                {in_axis}, {out_axis});
  return [f](const array& x) { return f({x})[0]; };
}

std::function<array(const array&, const array&)> vmap(
    const std::function<array(const array&, const array&)>& fun, int in_axis_a, int in_axis_b,
    int out_axis) {
  auto f = vmap([fun](const std::vector<array>& x) { return std::vector<array>{fun(x[0], x[1])}; },
                {in_axis_a, in_axis_b}, {out_axis});
  return [f](const array& a, const array& b) { return f({a, b})[0]; };
}

}  // namespace lmx
